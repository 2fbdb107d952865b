/**
 * The follower side of chunked InstallSnapshot: chunks of one snapshot must arrive in order
 * (offset = bytes received so far); a chunk at offset 0 (re)starts an assembly. The result of each
 * chunk tells the follower what to answer: keep going, retry from an offset, or install.
 */
import type { Snapshot, SnapshotChunk, SnapshotMeta } from './types.js';

/** What one chunk did to the assembly. */
export type ChunkOutcome =
  | { kind: 'progress'; receivedBytes: number }
  | { kind: 'retry'; expectedOffset: number }
  | { kind: 'complete'; snapshot: Snapshot }
  | { kind: 'invalid' };

function sameMeta(a: SnapshotMeta, b: SnapshotMeta): boolean {
  return a.index === b.index && a.term === b.term;
}

/** Assembles one snapshot from in-order chunks, bounded by `maxBytes`. */
export class SnapshotAssembler {
  private meta: SnapshotMeta | undefined;
  private totalBytes = 0;
  private received = 0;
  private parts: Uint8Array[] = [];

  constructor(private readonly maxBytes: number) {}

  /** Index of the snapshot being assembled, if any. */
  get assemblingIndex(): number | undefined {
    return this.meta?.index;
  }

  /** Drops any partial snapshot. */
  reset(): void {
    this.meta = undefined;
    this.totalBytes = 0;
    this.received = 0;
    this.parts = [];
  }

  /** Feeds one chunk. */
  accept(chunk: SnapshotChunk): ChunkOutcome {
    const valid =
      Number.isSafeInteger(chunk.offset) &&
      Number.isSafeInteger(chunk.totalBytes) &&
      chunk.offset >= 0 &&
      chunk.totalBytes >= 0 &&
      chunk.totalBytes <= this.maxBytes &&
      chunk.offset + chunk.data.length <= chunk.totalBytes &&
      (!chunk.done || chunk.offset + chunk.data.length === chunk.totalBytes);
    if (!valid) return { kind: 'invalid' };
    if (chunk.offset === 0) {
      this.reset();
      this.meta = chunk.meta;
      this.totalBytes = chunk.totalBytes;
    } else if (!this.meta || !sameMeta(this.meta, chunk.meta) || this.totalBytes !== chunk.totalBytes) {
      return { kind: 'retry', expectedOffset: 0 };
    } else if (chunk.offset !== this.received) {
      // A duplicate (offset < received) or a gap (offset > received): tell the leader where we are.
      return { kind: 'retry', expectedOffset: this.received };
    }
    if (chunk.data.length > 0) this.parts.push(chunk.data);
    this.received += chunk.data.length;
    if (!chunk.done) return { kind: 'progress', receivedBytes: this.received };
    const data = new Uint8Array(this.totalBytes);
    let at = 0;
    for (const p of this.parts) {
      data.set(p, at);
      at += p.length;
    }
    const snapshot: Snapshot = { meta: chunk.meta, data };
    this.reset();
    return { kind: 'complete', snapshot };
  }
}
