/**
 * The replicated commands of Raft storage: what one normal log entry carries (msgpackr, versioned).
 *
 * - a write: the ops of ONE barrier put/delete/batch (barrier ciphertext, never plaintext) with its
 *   `WriteId` (client id, sequence, part, floor: see client-table.ts), so a retried proposal — or a
 *   forwarded request retried on a new leader — is applied once;
 * - a member update: the `MemberInfo` of a member (the leader records its own on activation);
 * - an operator restore in bounded steps: `restore-begin` opens a staging area, `restore-part`s
 *   carry the snapshot's data records (≤ about one snapshot chunk each), `restore-commit` switches
 *   the data set to the staging area atomically (state-store.ts); each step has a `WriteId` too.
 *   The older one-entry `restore` (the whole snapshot in one entry) is still applied when found
 *   in a log.
 *
 * Membership changes themselves are Raft ConfChange entries whose `context` is an encoded
 * `MemberInfo` (`encodeMemberInfo`). Entries with empty data (a new leader's entry) carry nothing.
 */
import { Packr } from 'msgpackr';
import { ArcaError } from '../../lib/errors.js';
import type { PhysicalOp } from '../physical/physical.js';
import type { WriteId } from './client-table.js';

/** What each member advertises; replicated with the Raft configuration. */
export interface MemberInfo {
  nodeId: string;
  /** The member's HTTP API address (`https://host:8200`), shown as leader_address. */
  apiAddr: string;
  /** The member's cluster (Noise) address, `host:port`. */
  clusterAddr: string;
  /** The member's Noise static public key; opaque to storage. */
  publicKey: string;
}

/** A decoded command. */
export type Command =
  | { kind: 'write'; id: WriteId; ops: PhysicalOp[] }
  | { kind: 'restore'; id: WriteId; snapshot: Uint8Array }
  | { kind: 'member'; info: MemberInfo }
  | { kind: 'restore-begin'; id: WriteId; restoreId: string }
  | { kind: 'restore-part'; id: WriteId; restoreId: string; records: [string, Uint8Array][] }
  | { kind: 'restore-commit'; id: WriteId; restoreId: string };

const commandVersion = 1;
// copyBuffers: decoded values must not alias the entry's bytes (the log image keeps those).
const packr = new Packr({ useRecords: false, copyBuffers: true });
// For the state machine's apply only: values alias the entry's bytes, which is safe there because
// they are copied into a LevelDB batch (or read once) and never kept or changed.
const applyPackr = new Packr({ useRecords: false, copyBuffers: false });

/**
 * Writes this process proposed, by the identity of the encoded bytes, until the state machine
 * applies them: the leader's own entries reach its apply as the very same `Uint8Array` (the log
 * keeps the proposal's bytes), so it need not decode what it has just encoded. Weak: an entry
 * that is never applied here (lost leadership, overwritten) costs nothing.
 */
const proposed = new WeakMap<Uint8Array, Command>();

type WireOp = [string, Uint8Array | null];
type WireCommand =
  // p (part) and f (floor) are omitted when 0.
  | { v: number; k: 'w'; c: string; s: number; p?: number; f?: number; o: WireOp[] }
  | { v: number; k: 'r'; c: string; s: number; p?: number; f?: number; b: Uint8Array }
  | { v: number; k: 'm'; i: MemberInfo }
  | { v: number; k: 'rb' | 'rc'; c: string; s: number; p?: number; f?: number; r: string }
  | {
      v: number;
      k: 'rp';
      c: string;
      s: number;
      p?: number;
      f?: number;
      r: string;
      d: [string, Uint8Array][];
    };

/** The steps of a batched operator restore (see the module comment). */
export type RestoreStep =
  { step: 'begin' } | { step: 'part'; records: [string, Uint8Array][] } | { step: 'commit' };

/** Sets the WriteId fields the wire leaves out at their zero value (`p` part, `f` floor). */
function stampOptionalIdFields(wire: { p?: number; f?: number }, id: WriteId): void {
  if (id.part !== 0) wire.p = id.part;
  if (id.floor !== 0) wire.f = id.floor;
}

/** Encodes one step of batched operator restore `restoreId`, identified by `id`. */
export function encodeRestoreStep(id: WriteId, restoreId: string, step: RestoreStep): Uint8Array {
  const wire: Extract<WireCommand, { k: 'rb' | 'rc' }> | Extract<WireCommand, { k: 'rp' }> =
    step.step === 'part'
      ? { v: commandVersion, k: 'rp', c: id.clientId, s: id.seq, r: restoreId, d: step.records }
      : {
          v: commandVersion,
          k: step.step === 'begin' ? 'rb' : 'rc',
          c: id.clientId,
          s: id.seq,
          r: restoreId,
        };
  stampOptionalIdFields(wire, id);
  return packr.pack(wire);
}

/** Encodes a write of `ops` identified by `id`. */
export function encodeWrite(id: WriteId, ops: readonly PhysicalOp[]): Uint8Array {
  const o: WireOp[] = ops.map((op) => [op.key, op.type === 'put' ? op.value : null]);
  const wire: Extract<WireCommand, { k: 'w' }> = { v: commandVersion, k: 'w', c: id.clientId, s: id.seq, o };
  stampOptionalIdFields(wire, id);
  const data = packr.pack(wire);
  const own: PhysicalOp[] = ops.map((op) =>
    op.type === 'put' ? { type: 'put', key: op.key, value: op.value } : { type: 'delete', key: op.key },
  );
  proposed.set(data, { kind: 'write', id: { ...id }, ops: own });
  return data;
}

/** Encodes an operator restore: the whole data set is replaced by `snapshot`'s (snapshot format). */
export function encodeRestore(id: WriteId, snapshot: Uint8Array): Uint8Array {
  const wire: Extract<WireCommand, { k: 'r' }> = {
    v: commandVersion,
    k: 'r',
    c: id.clientId,
    s: id.seq,
    b: snapshot,
  };
  stampOptionalIdFields(wire, id);
  return packr.pack(wire);
}

/** Encodes a member-info update. */
export function encodeMemberCommand(info: MemberInfo): Uint8Array {
  return packr.pack({ v: commandVersion, k: 'm', i: memberFields(info) } satisfies WireCommand);
}

/** Decodes a normal entry's data; `undefined` for an empty entry; integrity_failure if malformed. */
export function decodeCommand(data: Uint8Array): Command | undefined {
  return decodeWith(packr, data);
}

/**
 * `decodeCommand` for the state machine's apply: the command this process encoded from the same
 * bytes when it has it (once: it is forgotten), else decoded with values aliasing `data` (the
 * caller copies them into storage and keeps none).
 */
export function decodeCommandForApply(data: Uint8Array): Command | undefined {
  const own = proposed.get(data);
  if (own !== undefined) {
    proposed.delete(data);
    return own;
  }
  return decodeWith(applyPackr, data);
}

function decodeWith(codec: Packr, data: Uint8Array): Command | undefined {
  if (data.length === 0) return undefined;
  let raw: unknown;
  try {
    raw = codec.unpack(data);
  } catch {
    throw malformed();
  }
  const w = raw as Partial<Record<string, unknown>>;
  if (typeof w !== 'object' || w === null || w['v'] !== commandVersion) throw malformed();
  if (w['k'] === 'm') return { kind: 'member', info: checkMember(w['i']) };
  if (w['k'] === 'rb' || w['k'] === 'rc' || w['k'] === 'rp') return decodeRestoreStep(w);
  if (w['k'] === 'r') {
    if (typeof w['c'] !== 'string' || typeof w['s'] !== 'number' || !(w['b'] instanceof Uint8Array))
      throw malformed();
    return { kind: 'restore', id: { clientId: w['c'], seq: w['s'], ...partAndFloor(w) }, snapshot: w['b'] };
  }
  if (w['k'] !== 'w' || typeof w['c'] !== 'string' || typeof w['s'] !== 'number' || !Array.isArray(w['o']))
    throw malformed();
  const { part, floor } = partAndFloor(w);
  const ops: PhysicalOp[] = (w['o'] as unknown[]).map((op) => {
    if (!Array.isArray(op) || typeof op[0] !== 'string') throw malformed();
    const value: unknown = op[1];
    if (value === null) return { type: 'delete', key: op[0] };
    if (!(value instanceof Uint8Array)) throw malformed();
    return { type: 'put', key: op[0], value };
  });
  return { kind: 'write', id: { clientId: w['c'], seq: w['s'], part, floor }, ops };
}

function partAndFloor(w: Partial<Record<string, unknown>>): { part: number; floor: number } {
  const part = w['p'] ?? 0;
  const floor = w['f'] ?? 0;
  if (typeof part !== 'number' || typeof floor !== 'number') throw malformed();
  return { part, floor };
}

function decodeRestoreStep(w: Partial<Record<string, unknown>>): Command {
  const clientId = w['c'];
  const seq = w['s'];
  const restoreId = w['r'];
  if (typeof clientId !== 'string' || typeof seq !== 'number' || typeof restoreId !== 'string')
    throw malformed();
  const id: WriteId = { clientId, seq, ...partAndFloor(w) };
  if (w['k'] === 'rb') return { kind: 'restore-begin', id, restoreId };
  if (w['k'] === 'rc') return { kind: 'restore-commit', id, restoreId };
  const parts = w['d'];
  if (!Array.isArray(parts)) throw malformed();
  const records = (parts as unknown[]).map((r): [string, Uint8Array] => {
    if (!Array.isArray(r) || typeof r[0] !== 'string' || !(r[1] instanceof Uint8Array)) throw malformed();
    return [r[0], r[1]];
  });
  return { kind: 'restore-part', id, restoreId, records };
}

/** Encodes a `MemberInfo` (ConfChange context, state store record). */
export function encodeMemberInfo(info: MemberInfo): Uint8Array {
  return packr.pack(memberFields(info));
}

/** Decodes `encodeMemberInfo`'s output; integrity_failure if malformed. */
export function decodeMemberInfo(data: Uint8Array): MemberInfo {
  try {
    return checkMember(packr.unpack(data));
  } catch {
    throw malformed();
  }
}

function memberFields(info: MemberInfo): MemberInfo {
  return {
    nodeId: info.nodeId,
    apiAddr: info.apiAddr,
    clusterAddr: info.clusterAddr,
    publicKey: info.publicKey,
  };
}

function checkMember(value: unknown): MemberInfo {
  const m = value as Partial<Record<keyof MemberInfo, unknown>> | null;
  if (
    typeof m !== 'object' ||
    m === null ||
    typeof m.nodeId !== 'string' ||
    typeof m.apiAddr !== 'string' ||
    typeof m.clusterAddr !== 'string' ||
    typeof m.publicKey !== 'string'
  )
    throw malformed();
  return memberFields(m as MemberInfo);
}

function malformed(): ArcaError {
  return new ArcaError('integrity_failure', 'malformed raft storage command');
}
