/**
 * The follower side of chunked InstallSnapshot: chunks of one snapshot must arrive in order
 * (offset = bytes received so far); a chunk at offset 0 (re)starts an assembly. The result of each
 * chunk tells the follower what to answer: keep going, retry from an offset, or install.
 *
 * An assembly belongs to ONE transfer: (sender, sender's term, the sender's transfer id). Index,
 * term and size are not enough — two leaders (or one leader's two transfers) can stream different
 * bytes for the same snapshot index, and splicing them would install a state no node ever had.
 * A chunk of another transfer never extends the assembly; a delayed first chunk of an earlier
 * transfer of the same sender and term does not restart it either.
 */
import type { NodeId, Snapshot, SnapshotChunk, SnapshotMeta } from './types.js';

/** Who sent a chunk: the message's authenticated `from` and its `term`. */
export interface ChunkSender {
  from: NodeId;
  term: number;
}

interface TransferKey extends ChunkSender {
  transferId: number;
}

/** What one chunk did to the assembly. */
export type ChunkOutcome =
  | { kind: 'progress'; receivedBytes: number }
  | { kind: 'retry'; expectedOffset: number }
  | { kind: 'complete'; snapshot: Snapshot }
  | { kind: 'invalid' };

function sameMeta(a: SnapshotMeta, b: SnapshotMeta): boolean {
  return a.index === b.index && a.term === b.term;
}

function sameTransfer(a: TransferKey, b: TransferKey): boolean {
  return a.from === b.from && a.term === b.term && a.transferId === b.transferId;
}

/** `b` is an earlier transfer than `a` by the same sender in the same term. */
function olderTransfer(a: TransferKey, b: TransferKey): boolean {
  return a.from === b.from && a.term === b.term && b.transferId < a.transferId;
}

/** Assembles one snapshot from in-order chunks, bounded by `maxBytes`. */
export class SnapshotAssembler {
  private meta: SnapshotMeta | undefined;
  private transfer: TransferKey | undefined;
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
    this.transfer = undefined;
    this.totalBytes = 0;
    this.received = 0;
    this.parts = [];
  }

  /** Feeds one chunk received from `sender`. */
  accept(chunk: SnapshotChunk, sender: ChunkSender): ChunkOutcome {
    const valid =
      Number.isSafeInteger(chunk.offset) &&
      Number.isSafeInteger(chunk.totalBytes) &&
      chunk.offset >= 0 &&
      chunk.totalBytes >= 0 &&
      chunk.totalBytes <= this.maxBytes &&
      chunk.offset + chunk.data.length <= chunk.totalBytes &&
      (!chunk.done || chunk.offset + chunk.data.length === chunk.totalBytes);
    if (!valid) return { kind: 'invalid' };
    const key: TransferKey = { from: sender.from, term: sender.term, transferId: chunk.transferId };
    const current = this.transfer;
    if (chunk.offset === 0) {
      if (current !== undefined && olderTransfer(current, key)) return { kind: 'invalid' };
      this.reset();
      this.meta = chunk.meta;
      this.transfer = key;
      this.totalBytes = chunk.totalBytes;
    } else if (
      !this.meta ||
      current === undefined ||
      !sameTransfer(current, key) ||
      !sameMeta(this.meta, chunk.meta) ||
      this.totalBytes !== chunk.totalBytes
    ) {
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
