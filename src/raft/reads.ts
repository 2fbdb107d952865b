/**
 * Linearizable reads on the leader (Raft thesis §6.4; etcd stepLeader MsgReadIndex): every read
 * is confirmed by a heartbeat round that a quorum acknowledges after the read arrived, one round
 * shared by every read queued before it. A new leader answers nothing until it has committed an
 * entry of its own term: reads are parked until then.
 *
 * There is deliberately no lease-based shortcut (answering from the commit index without a round,
 * trusting a clock): a leader paused by GC, a VM stall or SIGSTOP cannot notice that it was
 * deposed, and its clock cannot bound the pause or drift, so it would serve stale reads (a paused
 * old leader answered at index 4 after the new leader committed index 6). Secrets must not be read
 * stale under clock faults, and a round costs one heartbeat round trip shared by every read.
 */
import { bcastHeartbeat } from './replication.js';
import { parseReadRoundContext, readRoundContext } from './read-only.js';
import { pendingReadsMax, type RaftState } from './state.js';
import type { Message, NodeId } from './types.js';

function respond(r: RaftState, from: NodeId, index: number, requestCtx: Uint8Array): void {
  if (from === r.id || from === '') r.readStates.push({ index, requestCtx });
  else r.send({ type: 'MsgReadIndexResp', to: from, index, context: requestCtx });
}

/** Leader: a MsgReadIndex from itself or a follower. */
export function leaderReadIndex(r: RaftState, m: Message): void {
  // Checked first, single voter included: after a restart the commit index may lag entries that
  // were committed (and acknowledged) before the crash, because a commit-only HardState is not
  // synced on its own. Only the commit of an entry of this term (counted over persisted entries,
  // see Raft.onEntriesPersisted) proves the commit index covers them (thesis §6.4).
  const early = r.config.mutations.readIndexBeforeTermCommit === true;
  if (!early && !r.committedEntryInCurrentTerm()) {
    if (r.pendingReadIndexMessages.length < pendingReadsMax) r.pendingReadIndexMessages.push(m);
    return;
  }
  serveReadIndex(r, m);
}

function serveReadIndex(r: RaftState, m: Message): void {
  const ctx = m.context ?? new Uint8Array(0);
  if (r.trk.isSingleton()) {
    // One voter: leadership needs no confirmation round.
    respond(r, m.from, r.log.committed, ctx);
    return;
  }
  // Queued; the heartbeat round goes out at the next flush (batching).
  r.readOnly.add(r.log.committed, m.from, ctx, r.id);
}

/** Releases reads parked before the first commit of this term. */
export function releasePendingReadIndexMessages(r: RaftState): void {
  if (r.pendingReadIndexMessages.length === 0 || !r.committedEntryInCurrentTerm()) return;
  const parked = r.pendingReadIndexMessages;
  r.pendingReadIndexMessages = [];
  for (const m of parked) serveReadIndex(r, m);
}

/** Broadcasts one heartbeat round covering every read queued since the last round. */
export function flushReadRound(r: RaftState): void {
  if (r.role !== 'leader' || r.readOnly.unsentSeq === 0) return;
  const seq = r.readOnly.unsentSeq;
  r.readOnly.unsentSeq = 0;
  if (r.readOnly.hasQuorum(seq, r.trk.voters)) {
    for (const read of r.readOnly.advance(seq)) respond(r, read.from, read.index, read.requestCtx);
    return;
  }
  bcastHeartbeat(r, readRoundContext(seq));
}

/** A heartbeat response carrying a read round context: count it, release confirmed reads. */
export function leaderReadAck(r: RaftState, m: Message): void {
  const seq = parseReadRoundContext(m.context);
  if (seq === undefined) return;
  if (r.readOnly.recvAck(m.from, seq) === 0) return;
  if (!r.readOnly.hasQuorum(seq, r.trk.voters)) return;
  for (const read of r.readOnly.advance(seq)) respond(r, read.from, read.index, read.requestCtx);
}
