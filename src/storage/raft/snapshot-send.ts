/**
 * The leader's side of one streamed InstallSnapshot: the state store's dump (one LevelDB
 * iterator, a point-in-time view) is read one chunk at a time and sent with a sliding window —
 * at most `windowChunks` unacknowledged chunks, the next read only when an ack frees a slot — so
 * the leader holds O(chunk × window) bytes whatever the state's size. Unacknowledged chunks are
 * kept for resending (a gap reported by the follower, or no progress for a resend interval).
 */
import type { Message, NodeId, SnapshotMeta } from '../../raft/types.js';
import { dataMessage } from './snapshot-wire.js';

/** What a send session needs from its owner. */
export interface SendContext {
  self: NodeId;
  send(messages: Message[]): void;
}

interface Sent {
  offset: number;
  data: Uint8Array;
  done: boolean;
}

/** One stream to one follower. */
export class SnapshotSendSession {
  private source: AsyncIterator<Uint8Array> | undefined;
  private readonly window: Sent[] = [];
  private nextOffset = 0;
  private sourceDone = false;
  private pumping = false;
  private closed = false;
  /** Monotonic count of acks that moved the window (progress, for the resend timer). */
  progress = 0;

  constructor(
    private readonly ctx: SendContext,
    readonly to: NodeId,
    /** The leader's term when Raft asked for the snapshot (stamped on every chunk). */
    readonly term: number,
    readonly streamId: number,
    readonly meta: SnapshotMeta,
    readonly transferId: number,
    dump: AsyncIterable<Uint8Array>,
    private readonly windowChunks: number,
  ) {
    this.source = dump[Symbol.asyncIterator]();
  }

  /** Bytes the follower confirmed. */
  get ackedBytes(): number {
    return this.window.length > 0 ? this.window[0].offset : this.nextOffset;
  }

  /** Fills the window from the dump (one read at a time). */
  pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    void this.fill().finally(() => {
      this.pumping = false;
    });
  }

  /** The follower holds `receivedBytes` in order: slide the window; `reject` resends from there. */
  onAck(receivedBytes: number, reject: boolean): void {
    let moved = false;
    while (this.window.length > 0) {
      const first = this.window[0];
      if (first.done || first.offset + first.data.length > receivedBytes) break;
      this.window.shift();
      moved = true;
    }
    if (moved) this.progress++;
    if (reject) this.resend(receivedBytes);
    this.pump();
  }

  /** Sends the unacknowledged chunks at or after `fromOffset` again. */
  resend(fromOffset = 0): void {
    if (this.closed) return;
    const again = this.window.filter((c) => c.offset + c.data.length > fromOffset || c.done);
    this.ctx.send(again.map((c) => this.message(c)));
  }

  /** Stops reading and drops the window. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.window.length = 0;
    const source = this.source;
    this.source = undefined;
    void source?.return?.().catch(() => undefined);
  }

  private async fill(): Promise<void> {
    try {
      while (!this.closed && !this.sourceDone && this.window.length < this.windowChunks) {
        const next = await this.source!.next();
        if (this.closed) return;
        const chunk: Sent = next.done
          ? { offset: this.nextOffset, data: new Uint8Array(0), done: true }
          : { offset: this.nextOffset, data: next.value, done: false };
        if (next.done) this.sourceDone = true;
        this.nextOffset += chunk.data.length;
        this.window.push(chunk);
        this.ctx.send([this.message(chunk)]);
      }
    } catch {
      // The dump failed (store closed): the session dies; Raft's own retry starts a new one.
      this.close();
    }
  }

  private message(c: Sent): Message {
    return dataMessage(
      this.ctx.self,
      this.to,
      this.term,
      this.streamId,
      this.meta,
      this.transferId,
      c.offset,
      c.data,
      c.done,
    );
  }

  /** True once closed. */
  get isClosed(): boolean {
    return this.closed;
  }
}
