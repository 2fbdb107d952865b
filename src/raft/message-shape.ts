/**
 * The shape check for Raft messages that arrive from a peer: a decoded frame is untrusted data, so
 * before it becomes a `Message` every field is checked for its type and range, and a fresh object
 * holding only the known fields is built (nothing extra rides along into the Raft core). Local-only
 * kinds (`MsgHup`, `MsgBeat`) are refused: no peer may make this node campaign or heartbeat.
 * Pure: no I/O, usable by any transport.
 */
import type { ConfState, Entry, Message, MessageType, SnapshotChunk, SnapshotMeta } from './types.js';

/** Message kinds that may cross the wire. */
const wireTypes: ReadonlySet<string> = new Set<MessageType>([
  'MsgProp',
  'MsgApp',
  'MsgAppResp',
  'MsgVote',
  'MsgVoteResp',
  'MsgPreVote',
  'MsgPreVoteResp',
  'MsgSnap',
  'MsgSnapResp',
  'MsgHeartbeat',
  'MsgHeartbeatResp',
  'MsgTransferLeader',
  'MsgTimeoutNow',
  'MsgReadIndex',
  'MsgReadIndexResp',
]);

/** Why a value is not a wire message (the first problem found), for logs and tests. */
export class MessageShapeError extends Error {
  constructor(readonly field: string) {
    super(`malformed raft message: ${field}`);
  }
}

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function count(o: Obj, field: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new MessageShapeError(field);
  return v;
}

function text(o: Obj, field: string): string {
  const v = o[field];
  if (typeof v !== 'string') throw new MessageShapeError(field);
  return v;
}

function bytes(o: Obj, field: string): Uint8Array {
  const v = o[field];
  if (!(v instanceof Uint8Array)) throw new MessageShapeError(field);
  return v;
}

function flag(o: Obj, field: string): boolean {
  const v = o[field];
  if (typeof v !== 'boolean') throw new MessageShapeError(field);
  return v;
}

function object(o: Obj, field: string): Obj {
  const v = o[field];
  if (!isObject(v)) throw new MessageShapeError(field);
  return v;
}

/** Absent (`undefined` or `null`) or the field's checked value. */
function optional<T>(o: Obj, field: string, check: (o: Obj, field: string) => T): T | undefined {
  return o[field] === undefined || o[field] === null ? undefined : check(o, field);
}

function nodeIds(o: Obj, field: string): string[] {
  const v = o[field];
  if (!Array.isArray(v) || !v.every((id) => typeof id === 'string')) throw new MessageShapeError(field);
  return [...v];
}

function entry(v: unknown): Entry {
  if (!isObject(v)) throw new MessageShapeError('entries');
  const type = v.type;
  if (type !== 0 && type !== 1) throw new MessageShapeError('entries.type');
  return { term: count(v, 'term'), index: count(v, 'index'), type, data: bytes(v, 'data') };
}

function confState(o: Obj): ConfState {
  return { voters: nodeIds(o, 'voters'), learners: nodeIds(o, 'learners') };
}

function snapshotMeta(o: Obj): SnapshotMeta {
  return { index: count(o, 'index'), term: count(o, 'term'), confState: confState(object(o, 'confState')) };
}

function snapshotChunk(o: Obj, field: string): SnapshotChunk {
  const s = object(o, field);
  const chunk: SnapshotChunk = {
    meta: snapshotMeta(object(s, 'meta')),
    transferId: count(s, 'transferId'),
    offset: count(s, 'offset'),
    totalBytes: count(s, 'totalBytes'),
    data: bytes(s, 'data'),
    done: flag(s, 'done'),
  };
  if (chunk.offset + chunk.data.length > chunk.totalBytes) throw new MessageShapeError('snapshot.offset');
  return chunk;
}

/**
 * Checks that `value` (a decoded peer frame) is a wire `Message` and returns a fresh copy with only
 * the known fields. Throws `MessageShapeError` naming the first bad field.
 */
export function parseWireMessage(value: unknown): Message {
  if (!isObject(value)) throw new MessageShapeError('message');
  const type = text(value, 'type');
  if (!wireTypes.has(type)) throw new MessageShapeError('type');
  const entries = value.entries;
  if (!Array.isArray(entries)) throw new MessageShapeError('entries');
  const message: Message = {
    type: type as MessageType,
    from: text(value, 'from'),
    to: text(value, 'to'),
    term: count(value, 'term'),
    logTerm: count(value, 'logTerm'),
    index: count(value, 'index'),
    entries: entries.map(entry),
    commit: count(value, 'commit'),
    reject: flag(value, 'reject'),
    rejectHint: count(value, 'rejectHint'),
  };
  if (message.from === '') throw new MessageShapeError('from');
  const context = optional(value, 'context', bytes);
  if (context !== undefined) message.context = context;
  const snapshot = optional(value, 'snapshot', snapshotChunk);
  if (snapshot !== undefined) message.snapshot = snapshot;
  return message;
}
