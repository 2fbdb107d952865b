/**
 * Leader → follower traffic (Raft §5.3, etcd raft.go maybeSendAppend/sendHeartbeat): MsgApp with
 * per-follower flow control, heartbeats, chunked snapshots for followers behind the compaction
 * point, and the leader's commit rule (§5.4.2).
 */
import { entriesBytes } from './raft-log.js';
import type { Progress } from './progress.js';
import type { RaftState } from './state.js';
import type { Entry, NodeId } from './types.js';

/**
 * Sends the next MsgApp to `to` if flow control allows. With `sendIfEmpty` an empty MsgApp is
 * sent too (to carry the commit index or probe). Falls back to a snapshot when the entries (or
 * the term of the previous entry) were compacted. Returns true if a message was sent.
 */
export function maybeSendAppend(r: RaftState, to: NodeId, sendIfEmpty = true): boolean {
  const pr = r.trk.progress.get(to);
  if (!pr || to === r.id || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  let entries: Entry[] | undefined = [];
  if (pr.state !== 'replicate' || !pr.inflights.full()) {
    entries = r.log.entriesFrom(pr.next, r.config.maxSizePerMsgBytes);
  }
  if (prevTerm === undefined || entries === undefined) return sendSnapshot(r, to, pr);
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({ type: 'MsgApp', to, index: prevIndex, logTerm: prevTerm, entries, commit: r.log.committed });
  pr.sentEntries(entries.length, entriesBytes(entries));
  pr.sentCommit = r.log.committed;
  return true;
}

/** Starts streaming the current snapshot to `to` (etcd maybeSendSnapshot). */
function sendSnapshot(r: RaftState, to: NodeId, pr: Progress): boolean {
  if (!pr.recentActive) return false;
  let snapshot;
  try {
    snapshot = r.log.snapshot();
  } catch {
    return false; // temporarily unavailable: retry on a later heartbeat
  }
  if (snapshot.meta.index === 0) return false;
  pr.becomeSnapshot(snapshot, ++r.snapshotTransfersStarted);
  sendSnapshotChunks(r, to, pr);
  return true;
}

/** Sends snapshot chunks to `to` while the window (inflight count and bytes) allows. */
export function sendSnapshotChunks(r: RaftState, to: NodeId, pr: Progress): void {
  const t = pr.snapshotTransfer;
  if (pr.state !== 'snapshot' || !t) return;
  const chunkBytes = r.config.snapshotChunkBytes;
  const total = t.snapshot.data.length;
  let windowBytes = Math.min(r.config.maxInflightMsgs, 4) * chunkBytes;
  if (r.config.maxInflightBytes > 0) windowBytes = Math.min(windowBytes, r.config.maxInflightBytes);
  windowBytes = Math.max(windowBytes, chunkBytes);
  while (!t.finalSent && t.sentOffset - t.ackedOffset < windowBytes) {
    const end = Math.min(total, t.sentOffset + chunkBytes);
    const done = end === total;
    r.send({
      type: 'MsgSnap',
      to,
      snapshot: {
        meta: t.snapshot.meta,
        transferId: t.id,
        offset: t.sentOffset,
        totalBytes: total,
        data: t.snapshot.data.subarray(t.sentOffset, end),
        done,
      },
    });
    t.sentOffset = end;
    t.finalSent = done;
  }
}

/** Restarts a stalled snapshot stream from the last confirmed offset. */
export function resendSnapshotFrom(r: RaftState, to: NodeId, pr: Progress, offset: number): void {
  const t = pr.snapshotTransfer;
  if (!t) return;
  const at = Math.max(0, Math.min(offset, t.snapshot.data.length));
  t.sentOffset = at;
  t.ackedOffset = at;
  t.finalSent = false;
  t.stallTicks = 0;
  t.rewoundTo = at;
  sendSnapshotChunks(r, to, pr);
}

/** Sends MsgApp to every follower that can take one. */
export function bcastAppend(r: RaftState): void {
  for (const id of r.trk.progress.keys()) if (id !== r.id) maybeSendAppend(r, id, true);
}

/** Heartbeat to `to`; commit is capped by the follower's match so it never commits what it lacks. */
export function sendHeartbeat(r: RaftState, to: NodeId, context?: Uint8Array): void {
  const pr = r.trk.progress.get(to);
  const commit = Math.min(pr?.match ?? 0, r.log.committed);
  r.send({ type: 'MsgHeartbeat', to, commit, ...(context ? { context } : {}) });
  if (pr) pr.sentCommit = Math.max(pr.sentCommit, commit);
}

/** Heartbeat to every follower, carrying the read round context if any. */
export function bcastHeartbeat(r: RaftState, context?: Uint8Array): void {
  for (const id of r.trk.progress.keys()) if (id !== r.id) sendHeartbeat(r, id, context);
}

/**
 * Advances the commit index to what a majority of voters persisted, but only by counting
 * entries of the current term (§5.4.2, Figure 8). Returns true if commit advanced.
 */
export function maybeCommit(r: RaftState): boolean {
  const anyTerm = r.config.mutations.commitPreviousTermByCounting === true;
  return r.log.maybeCommit(r.trk.committed(), r.term, anyTerm);
}
