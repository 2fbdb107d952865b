/**
 * Streamed InstallSnapshot for Raft storage (like etcd's snapshot sender beside its Raft): the
 * core's snapshot `data` is only a reference (snapshot-ref.ts), so the core's MsgSnap to a
 * follower is a small notice. This layer wraps the Raft `Transport`:
 *
 * - outbound, it swallows the core's MsgSnap and starts (or keeps) a stream of the leader's state
 *   store to that follower (snapshot-send.ts: windowed, resent on gaps and stalls);
 * - inbound, it consumes the stream into a staging area on disk (snapshot-receive.ts), and when
 *   the whole snapshot is there and verified, hands the core ONE MsgSnap whose data is a `staged`
 *   reference; Raft then installs it through the state machine (an atomic switch).
 *
 * Memory on both sides is O(chunk × window), independent of the state's size; every step is an
 * async LevelDB call, so heartbeats keep flowing on the same event loop. The core's own stall
 * handling re-sends its notice; a notice for the snapshot already streaming is ignored while that
 * stream makes progress.
 */
import type { Timers } from '../../raft/node-options.js';
import type { Transport } from '../../raft/ports.js';
import type { Message, NodeId } from '../../raft/types.js';
import { encodeSnapshotRef } from './snapshot-ref.js';
import { SnapshotReceiveSession, type ReceiveOutcome } from './snapshot-receive.js';
import { SnapshotSendSession } from './snapshot-send.js';
import { controlMessage, StreamKind, streamMarkOf } from './snapshot-wire.js';
import type { StateStore } from './state-store.js';

/** Settings of the stream layer. */
export interface SnapshotStreamOptions {
  self: NodeId;
  inner: Transport;
  state: StateStore;
  timers: Timers;
  /** Unacknowledged chunks in flight per stream (the chunk size is the dump's). */
  windowChunks: number;
  /** A stream with no acknowledged progress for this long is resent, then dropped after 10×. */
  resendIntervalMs: number;
  /** Observes stream events (tests and metrics): 'sent', 'received', 'complete', 'failed'. */
  onEvent?: (event: { kind: string; peer: NodeId; bytes?: number; error?: unknown }) => void;
}

const stallResendsMax = 10;

/** The stream layer of one member; `transport` is what the Raft driver uses. */
export class SnapshotStreams {
  private readonly sending = new Map<NodeId, SnapshotSendSession>();
  private readonly receiving = new Map<NodeId, SnapshotReceiveSession>();
  private streamIds = 0;
  private closed = false;
  private cancelTimer: (() => void) | undefined;
  private readonly stalls = new Map<SnapshotSendSession, { progress: number; count: number }>();

  constructor(private readonly o: SnapshotStreamOptions) {}

  /** The Raft transport with snapshot streaming in it. */
  readonly transport: Transport = {
    send: (messages) => this.send(messages),
    setPeers: (peers) => this.o.inner.setPeers?.(peers),
    onMessage: (handler) => this.o.inner.onMessage((m) => this.receive(m, handler)),
  };

  /** Drops every stream (staging areas become garbage). */
  close(): void {
    this.closed = true;
    this.cancelTimer?.();
    for (const s of this.sending.values()) s.close();
    for (const r of this.receiving.values()) r.close();
    this.sending.clear();
    this.receiving.clear();
  }

  private send(messages: Message[]): void {
    const rest: Message[] = [];
    for (const m of messages) {
      if (m.type === 'MsgSnap' && m.snapshot !== undefined && streamMarkOf(m) === undefined) this.notice(m);
      else rest.push(m);
    }
    if (rest.length > 0) this.o.inner.send(rest);
  }

  /** The core wants `m.to` to get its snapshot: start a stream unless one is under way. */
  private notice(m: Message): void {
    if (this.closed) return;
    const chunk = m.snapshot!;
    const current = this.sending.get(m.to);
    if (current !== undefined && !current.isClosed && current.meta.index === chunk.meta.index) return;
    current?.close();
    const session = new SnapshotSendSession(
      { self: this.o.self, send: (ms) => this.o.inner.send(ms) },
      m.to,
      m.term,
      (this.streamIds = (this.streamIds + 1) >>> 0),
      chunk.meta,
      chunk.transferId,
      this.o.state.dump(),
      this.o.windowChunks,
    );
    this.sending.set(m.to, session);
    this.o.onEvent?.({ kind: 'sent', peer: m.to });
    session.pump();
    this.armTimer();
  }

  private receive(m: Message, handler: (message: Message) => void): void {
    const mark = streamMarkOf(m);
    if (mark === undefined) return handler(m);
    if (this.closed) return;
    if (m.type === 'MsgSnapResp') return this.control(m, mark.streamId, mark.kind);
    const chunk = m.snapshot!;
    let session = this.receiving.get(m.from);
    if (session?.isClosed) session = undefined;
    if (chunk.offset === 0 && session?.streamId !== mark.streamId) {
      if (session !== undefined && session.term > m.term) return; // a deposed leader's stream
      session?.close();
      session = new SnapshotReceiveSession(
        m.from,
        m.term,
        mark.streamId,
        chunk.meta,
        chunk.transferId,
        this.o.state.beginInstall(),
        2 * this.o.windowChunks,
      );
      this.receiving.set(m.from, session);
    }
    const reply = (ms: Message[]): void => this.o.inner.send(ms);
    if (session === undefined || session.streamId !== mark.streamId) {
      reply([
        controlMessage(this.o.self, m.from, m.term, mark.streamId, StreamKind.Restart, chunk.meta.index),
      ]);
      return;
    }
    const s = session;
    s.accept(chunk.offset, chunk.data, chunk.done, (outcome: ReceiveOutcome) => {
      const control = (kind: StreamKind, bytes = 0, reject = false): void =>
        reply([controlMessage(this.o.self, s.from, s.term, s.streamId, kind, s.meta.index, bytes, reject)]);
      if (outcome.kind === 'ack') {
        this.o.onEvent?.({ kind: 'received', peer: s.from, bytes: outcome.receivedBytes });
        control(StreamKind.Ack, outcome.receivedBytes, outcome.reject);
      } else if (outcome.kind === 'failed') {
        this.o.onEvent?.({ kind: 'failed', peer: s.from, error: outcome.error });
        control(StreamKind.Restart);
      } else {
        control(StreamKind.Complete);
        this.o.onEvent?.({ kind: 'complete', peer: s.from });
        if (this.receiving.get(s.from) === s) this.receiving.delete(s.from);
        const data = encodeSnapshotRef({ kind: 'staged', id: outcome.stagingId });
        handler({
          type: 'MsgSnap',
          from: s.from,
          to: this.o.self,
          term: s.term,
          logTerm: 0,
          index: 0,
          entries: [],
          commit: 0,
          reject: false,
          rejectHint: 0,
          snapshot: {
            meta: s.meta,
            transferId: s.transferId,
            offset: 0,
            totalBytes: data.length,
            data,
            done: true,
          },
        });
      }
    });
  }

  /** Leader side: an ack, completion or restart request from a follower. */
  private control(m: Message, streamId: number, kind: StreamKind): void {
    const session = this.sending.get(m.from);
    if (session === undefined || session.streamId !== streamId || session.isClosed) return;
    if (kind === StreamKind.Ack) return session.onAck(m.rejectHint, m.reject);
    session.close();
    this.sending.delete(m.from);
    // Restart: the follower lost the stream; the core's stall handling sends a new notice.
  }

  /** Resends windows that made no progress for an interval; drops streams stalled for long. */
  private armTimer(): void {
    if (this.cancelTimer !== undefined || this.closed) return;
    this.cancelTimer = this.o.timers.schedule(this.o.resendIntervalMs, () => {
      this.cancelTimer = undefined;
      for (const [peer, s] of this.sending) {
        if (s.isClosed) {
          this.sending.delete(peer);
          this.stalls.delete(s);
          continue;
        }
        const seen = this.stalls.get(s);
        if (seen === undefined || seen.progress !== s.progress) {
          this.stalls.set(s, { progress: s.progress, count: 0 });
          continue;
        }
        seen.count++;
        if (seen.count >= stallResendsMax) {
          s.close();
          this.sending.delete(peer);
          this.stalls.delete(s);
        } else s.resend(s.ackedBytes);
      }
      if (this.sending.size > 0) this.armTimer();
    });
  }
}
