/** One-line descriptions of messages and log store writes for the simulator's trace. */
import type { Message } from '../../src/raft/types.js';
import type { StoreOp } from './log-image.js';

/** A Raft message: type, route, term, indexes, entries, rejection, snapshot chunk. */
export function describeMessage(m: Message): string {
  const ents = m.entries.length > 0 ? ` ents=${m.entries[0].index}..${m.entries.at(-1)!.index}` : '';
  const rej = m.reject ? ` REJECT hint=${m.rejectHint}` : '';
  const snap =
    m.snapshot !== undefined
      ? ` snap@${m.snapshot.meta.index}+${m.snapshot.offset}${m.snapshot.done ? ' done' : ''}`
      : '';
  return `${m.type} ${m.from}->${m.to} t${m.term} i${m.index} lt${m.logTerm} c${m.commit}${ents}${rej}${snap}`;
}

/** A `LogStore` write. */
export function describeStoreOp(op: StoreOp): string {
  if (op.kind === 'compact') return `compact through ${op.index}`;
  if (op.kind === 'stage') return `staged snapshot @${op.meta.index}`;
  const { hardState: hs, entries, snapshot } = op.update;
  const ents =
    entries !== undefined && entries.length > 0
      ? ` ents ${entries.map((e) => `${e.index}@${e.term}`).join(',')}`
      : '';
  const hard = hs !== undefined ? ` hs t${hs.term} v${hs.vote || '-'} c${hs.commit}` : '';
  return `persist${ents}${hard}${snapshot !== undefined ? ` snap@${snapshot.meta.index}` : ''}`;
}
