/**
 * The leader's message handling (Raft §5.3, §6, thesis §3.10; etcd stepLeader): acks and
 * rejections with flow control, heartbeats, check-quorum, snapshot streaming, reads and
 * leadership transfer.
 */
import { leaderReadAck, leaderReadIndex, releasePendingReadIndexMessages } from './reads.js';
import {
  bcastAppend,
  bcastHeartbeat,
  maybeCommit,
  maybeSendAppend,
  resendSnapshotFrom,
  sendSnapshotChunks,
} from './replication.js';
import { becomeFollower } from './roles.js';
import type { Progress } from './progress.js';
import type { RaftState } from './state.js';
import type { Message, NodeId } from './types.js';

/** Commit advanced: release parked reads and tell followers. */
export function onCommitAdvanced(r: RaftState): void {
  releasePendingReadIndexMessages(r);
  bcastAppend(r);
}

/** Leader-local and network messages. */
export function stepLeader(r: RaftState, m: Message): void {
  switch (m.type) {
    case 'MsgBeat':
      bcastHeartbeat(r);
      return;
    case 'MsgReadIndex':
      leaderReadIndex(r, m);
      return;
    case 'MsgTransferLeader':
      transferLeader(r, m.context ? decoder.decode(m.context) : m.from);
      return;
    default:
      break;
  }
  const pr = r.trk.progress.get(m.from);
  if (!pr || m.from === r.id) return; // unknown or removed node: ignore
  switch (m.type) {
    case 'MsgAppResp':
      handleAppendResponse(r, m);
      return;
    case 'MsgHeartbeatResp':
      pr.recentActive = true;
      pr.msgAppFlowPaused = false;
      if (pr.state === 'snapshot') {
        const t = pr.snapshotTransfer;
        if (t && t.stallTicks >= r.config.electionTimeoutTicks && !restartStaleSnapshot(r, m.from, pr))
          resendSnapshotFrom(r, m.from, pr, t.ackedOffset);
      } else if (pr.match < r.log.lastIndex() || pr.state === 'probe') {
        maybeSendAppend(r, m.from);
      }
      leaderReadAck(r, m);
      return;
    case 'MsgSnapResp': {
      pr.recentActive = true;
      const t = pr.snapshotTransfer;
      if (pr.state !== 'snapshot' || !t || t.snapshot.meta.index !== m.index) return;
      if (m.reject) {
        // Every chunk in flight when the stream was rewound draws the same reject: rewinding
        // again for each would resend the window once per duplicate, a storm that grows with
        // every round (sim seed 925). One rewind per offset until progress is confirmed.
        if (m.rejectHint !== t.rewoundTo) resendSnapshotFrom(r, m.from, pr, m.rejectHint);
      } else if (m.rejectHint > t.ackedOffset && m.rejectHint <= t.sentOffset) {
        t.ackedOffset = m.rejectHint;
        t.stallTicks = 0;
        t.rewoundTo = undefined;
        sendSnapshotChunks(r, m.from, pr);
      }
      return;
    }
    default:
      return;
  }
}

/** MsgTransferLeader carries the transferee's id in `context` (the requester may be anyone). */
const decoder = new TextDecoder();

function handleAppendResponse(r: RaftState, m: Message): void {
  const pr = r.trk.progress.get(m.from);
  if (!pr) return;
  pr.recentActive = true;
  if (m.reject) {
    let nextProbe = m.rejectHint;
    if (m.logTerm > 0) nextProbe = r.log.findConflictByTerm(m.rejectHint, m.logTerm)[0];
    if (pr.maybeDecrTo(m.index, nextProbe)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      maybeSendAppend(r, m.from);
    }
    return;
  }
  // An ack beyond our log cannot be genuine (Leader Completeness); never let it move match.
  if (m.index > r.log.lastIndex()) return;
  // The follower answered a whole snapshot without installing it (e.g. a joiner refusing one whose
  // membership does not name it): move on to the newer snapshot the log has by now.
  if (pr.state === 'snapshot' && m.index < pr.pendingSnapshot && restartStaleSnapshot(r, m.from, pr)) return;
  if (!(pr.maybeUpdate(m.index) || (pr.match === m.index && pr.state === 'probe'))) return;
  if (pr.state === 'probe') {
    pr.becomeReplicate();
  } else if (pr.state === 'snapshot') {
    if (pr.match + 1 >= r.log.firstIndex()) {
      // The follower caught up through the snapshot (or the log): resume appends.
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.match >= pr.pendingSnapshot) {
      // It installed our snapshot but we compacted further meanwhile: probe, which sends a newer one.
      pr.becomeProbe();
    }
  } else if (pr.state === 'replicate') {
    pr.inflights.freeLE(m.index);
  }
  if (maybeCommit(r)) {
    onCommitAdvanced(r);
  } else if (pr.canBumpCommit(r.log.committed)) {
    // The follower may be missing the latest commit index (etcd CanBumpCommit).
    maybeSendAppend(r, m.from, true);
  }
  // Flow control may now allow several (size-limited) messages at once.
  while (maybeSendAppend(r, m.from, false)) {
    /* keep filling the window */
  }
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) {
    sendTimeoutNow(r, m.from);
  }
}

/**
 * A snapshot stream pinned to an older snapshot than the log now holds restarts with the newer
 * one (probe from the follower's match, which falls back to the current snapshot). Returns false
 * when there is nothing newer to send.
 */
function restartStaleSnapshot(r: RaftState, to: NodeId, pr: Progress): boolean {
  let current: number;
  try {
    current = r.log.snapshot().meta.index;
  } catch {
    return false;
  }
  if (current <= pr.pendingSnapshot) return false;
  pr.becomeProbe();
  pr.next = pr.match + 1;
  maybeSendAppend(r, to);
  return true;
}

/**
 * Leadership transfer (thesis §3.10): bring the transferee up to date, then MsgTimeoutNow. The
 * transfer is aborted after one election timeout; proposals are refused meanwhile.
 */
function transferLeader(r: RaftState, transferee: NodeId): void {
  const pr = r.trk.progress.get(transferee);
  if (transferee === '' || !pr || pr.isLearner) return;
  if (r.leadTransferee !== '') {
    if (r.leadTransferee === transferee) return;
    r.abortLeaderTransfer();
  }
  if (transferee === r.id) return;
  r.electionElapsed = 0;
  r.leadTransferee = transferee;
  if (pr.match === r.log.lastIndex()) sendTimeoutNow(r, transferee);
  else maybeSendAppend(r, transferee);
}

/** Tells the transferee to campaign now. */
function sendTimeoutNow(r: RaftState, to: NodeId): void {
  r.send({ type: 'MsgTimeoutNow', to });
}

/**
 * A fenced leader (the driver set `leadershipFenced`) gives leadership up: the most up-to-date
 * voter that was recently active gets MsgTimeoutNow when its log matches ours (it then campaigns
 * at once, overriding leases), and this node becomes a follower without a known leader either
 * way, so it stops taking proposals and serving reads at once.
 */
export function stepDownFenced(r: RaftState): void {
  let best: { id: NodeId; match: number } | undefined;
  for (const [id, pr] of r.trk.progress) {
    if (id === r.id || pr.isLearner || !pr.recentActive) continue;
    if (best === undefined || pr.match > best.match) best = { id, match: pr.match };
  }
  if (best !== undefined && best.match === r.log.lastIndex()) sendTimeoutNow(r, best.id);
  becomeFollower(r, r.term, '');
}

/** MsgCheckQuorum: step down without a recently active quorum (etcd checkQuorum). */
export function checkQuorum(r: RaftState): void {
  const active = r.trk.quorumActive(r.id);
  for (const [id, pr] of r.trk.progress) if (id !== r.id) pr.recentActive = false;
  if (!active) becomeFollower(r, r.term, '');
}
