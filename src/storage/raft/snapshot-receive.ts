/**
 * The follower's side of one streamed InstallSnapshot: chunks arrive in order (a duplicate is
 * re-acknowledged, a gap answered with the offset expected), each is parsed incrementally and
 * written to a staging area of the state store (one bounded LevelDB batch) BEFORE it is
 * acknowledged, so the follower holds one chunk in memory and the leader's window is paced by
 * this disk. After the last byte the checksum is verified and the area sealed; only then is the
 * snapshot handed to Raft, as a `staged` reference that the install switches to atomically.
 */
import type { NodeId, SnapshotMeta } from '../../raft/types.js';
import { SnapshotParser } from './snapshot-parser.js';
import type { StagedInstall } from './state-install.js';

/** What one chunk did. */
export type ReceiveOutcome =
  | { kind: 'ack'; receivedBytes: number; reject: boolean }
  | { kind: 'complete'; stagingId: string }
  | { kind: 'failed'; error: unknown };

/** One stream from one leader. */
export class SnapshotReceiveSession {
  private readonly parser = new SnapshotParser();
  private received = 0;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private closed = false;

  constructor(
    readonly from: NodeId,
    readonly term: number,
    readonly streamId: number,
    readonly meta: SnapshotMeta,
    readonly transferId: number,
    private readonly install: StagedInstall,
    private readonly queueMax: number,
  ) {}

  /** True once the stream completed, failed or was dropped. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Queues one chunk; `reply` gets its outcome once it was written (chunks are written one at a
   * time, in arrival order). A chunk beyond the queue bound is dropped (the leader resends).
   */
  accept(offset: number, data: Uint8Array, done: boolean, reply: (outcome: ReceiveOutcome) => void): void {
    if (this.closed || this.queued >= this.queueMax) return;
    this.queued++;
    this.chain = this.chain.then(async () => {
      this.queued--;
      if (this.closed) return;
      const outcome = await this.write(offset, data, done);
      if (outcome !== undefined) reply(outcome);
    });
  }

  /** Abandons the stream (its staging area becomes garbage). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.install.abort();
  }

  private async write(offset: number, data: Uint8Array, done: boolean): Promise<ReceiveOutcome | undefined> {
    if (offset !== this.received) {
      // A duplicate (resent after a lost ack) or a gap (a chunk lost): say where we are.
      return { kind: 'ack', receivedBytes: this.received, reject: offset > this.received };
    }
    try {
      await this.install.write(this.parser.push(data));
      this.received += data.length;
      if (!done) return { kind: 'ack', receivedBytes: this.received, reject: false };
      this.parser.finish(); // integrity_failure: the staging area is dropped, nothing changed
      await this.install.seal();
      this.closed = true;
      return { kind: 'complete', stagingId: this.install.id };
    } catch (error) {
      this.close();
      return { kind: 'failed', error };
    }
  }
}
