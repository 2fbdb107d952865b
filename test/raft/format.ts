/** Compact, stable text rendering of Raft messages and state for golden scenario output. */
import type { Entry, Message, Ready } from '../../src/raft/types.js';
import { EntryType } from '../../src/raft/types.js';
import { decodeConfChange } from '../../src/raft/membership.js';
import { unwrapForwardedReadContext } from '../../src/raft/read-forward.js';

const decoder = new TextDecoder();

export function formatData(data: Uint8Array): string {
  return JSON.stringify(decoder.decode(data));
}

export function formatEntry(e: Entry): string {
  if (e.type === EntryType.ConfChange) {
    const cc = decodeConfChange(e.data);
    return `${e.term}/${e.index} ConfChange ${cc.type} ${cc.nodeId}`;
  }
  return e.data.length === 0 ? `${e.term}/${e.index} Empty` : `${e.term}/${e.index} ${formatData(e.data)}`;
}

export function formatEntries(entries: readonly Entry[]): string {
  return entries.map(formatEntry).join(', ');
}

export function formatMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${m.type} Term:${m.term}`;
  switch (m.type) {
    case 'MsgApp':
      s += ` Log:${m.logTerm}/${m.index} Commit:${m.commit}`;
      if (m.entries.length > 0) s += ` Entries:[${formatEntries(m.entries)}]`;
      break;
    case 'MsgAppResp':
      s += m.reject ? ` Log:${m.logTerm}/${m.index} Rejected (Hint: ${m.rejectHint})` : ` Log:0/${m.index}`;
      break;
    case 'MsgVote':
    case 'MsgPreVote':
      s += ` Log:${m.logTerm}/${m.index}`;
      break;
    case 'MsgVoteResp':
    case 'MsgPreVoteResp':
      if (m.reject) s += ' Rejected';
      break;
    case 'MsgHeartbeat':
      s += ` Commit:${m.commit}`;
      break;
    case 'MsgSnap': {
      const c = m.snapshot;
      if (c)
        s += ` Snapshot:${c.meta.term}/${c.meta.index} Bytes:${c.offset}+${c.data.length}/${c.totalBytes}${c.done ? ' done' : ''}`;
      break;
    }
    case 'MsgSnapResp':
      s += ` Snapshot:${m.logTerm}/${m.index}${m.reject ? ' Rejected' : ''} Bytes:${m.rejectHint}`;
      break;
    case 'MsgReadIndexResp':
      s += ` Index:${m.index}`;
      break;
    default:
      break;
  }
  const isRead = m.type === 'MsgReadIndex' || m.type === 'MsgReadIndexResp';
  const forwarded = isRead ? unwrapForwardedReadContext(m.context) : undefined;
  if (forwarded) s += ` Ctx:${formatData(forwarded.requestCtx)} Asker:${forwarded.asker}`;
  else if (m.context && m.type !== 'MsgVote') s += ` Ctx:${formatData(m.context)}`;
  return s;
}

export function formatReady(id: string, rd: Ready): string[] {
  const out: string[] = [];
  if (rd.softState) out.push(`  Lead:${rd.softState.leader || '-'} State:${rd.softState.role}`);
  if (rd.hardState)
    out.push(
      `  HardState Term:${rd.hardState.term} Vote:${rd.hardState.vote || '-'} Commit:${rd.hardState.commit}`,
    );
  if (rd.entries.length > 0) out.push(`  Entries: ${formatEntries(rd.entries)}`);
  if (rd.snapshot)
    out.push(
      `  Snapshot: ${rd.snapshot.meta.term}/${rd.snapshot.meta.index} voters=${rd.snapshot.meta.confState.voters.join(',')}`,
    );
  if (rd.committedEntries.length > 0) out.push(`  CommittedEntries: ${formatEntries(rd.committedEntries)}`);
  for (const m of rd.messages) out.push(`  Send: ${formatMessage(m)}`);
  for (const m of rd.messagesAfterPersist) out.push(`  SendAfterPersist: ${formatMessage(m)}`);
  for (const rs of rd.readStates) out.push(`  ReadState: Index:${rs.index} Ctx:${formatData(rs.requestCtx)}`);
  return out.length > 0 ? [`> ${id} handling Ready`, ...out] : [];
}
