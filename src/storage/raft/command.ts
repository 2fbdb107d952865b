/**
 * The replicated commands of Raft storage: what one normal log entry carries (msgpackr, versioned).
 *
 * - a write: the ops of ONE barrier put/delete/batch (barrier ciphertext, never plaintext) with the
 *   proposer's (client id, sequence), so a retried proposal is applied once;
 * - a member update: the `MemberInfo` of a member (the leader records its own on activation);
 * - an operator restore in bounded steps: `restore-begin` opens a staging area, `restore-part`s
 *   carry the snapshot's data records (≤ about one snapshot chunk each), `restore-commit` switches
 *   the data set to the staging area atomically (state-store.ts). The older one-entry `restore`
 *   (the whole snapshot in one entry) is still applied when found in a log.
 *
 * Membership changes themselves are Raft ConfChange entries whose `context` is an encoded
 * `MemberInfo` (`encodeMemberInfo`). Entries with empty data (a new leader's entry) carry nothing.
 */
import { Packr } from 'msgpackr';
import { ArcaError } from '../../lib/errors.js';
import type { PhysicalOp } from '../physical/physical.js';

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
  | { kind: 'write'; clientId: string; seq: number; ops: PhysicalOp[] }
  | { kind: 'restore'; clientId: string; seq: number; snapshot: Uint8Array }
  | { kind: 'member'; info: MemberInfo }
  | { kind: 'restore-begin'; clientId: string; seq: number; restoreId: string }
  | {
      kind: 'restore-part';
      clientId: string;
      seq: number;
      restoreId: string;
      records: [string, Uint8Array][];
    }
  | { kind: 'restore-commit'; clientId: string; seq: number; restoreId: string };

const commandVersion = 1;
// copyBuffers: decoded values must not alias the entry's bytes (the log image keeps those).
const packr = new Packr({ useRecords: false, copyBuffers: true });

type WireOp = [string, Uint8Array | null];
type WireCommand =
  | { v: number; k: 'w'; c: string; s: number; o: WireOp[] }
  | { v: number; k: 'r'; c: string; s: number; b: Uint8Array }
  | { v: number; k: 'm'; i: MemberInfo }
  | { v: number; k: 'rb' | 'rc'; c: string; s: number; r: string }
  | { v: number; k: 'rp'; c: string; s: number; r: string; p: [string, Uint8Array][] };

/** The steps of a batched operator restore (see the module comment). */
export type RestoreStep =
  { step: 'begin' } | { step: 'part'; records: [string, Uint8Array][] } | { step: 'commit' };

/** Encodes one step of batched operator restore `restoreId` by (clientId, seq). */
export function encodeRestoreStep(
  clientId: string,
  seq: number,
  restoreId: string,
  step: RestoreStep,
): Uint8Array {
  if (step.step === 'part')
    return packr.pack({
      v: commandVersion,
      k: 'rp',
      c: clientId,
      s: seq,
      r: restoreId,
      p: step.records,
    } satisfies WireCommand);
  const k = step.step === 'begin' ? 'rb' : 'rc';
  return packr.pack({ v: commandVersion, k, c: clientId, s: seq, r: restoreId } satisfies WireCommand);
}

/** Encodes a write of `ops` by (clientId, seq). */
export function encodeWrite(clientId: string, seq: number, ops: readonly PhysicalOp[]): Uint8Array {
  const o: WireOp[] = ops.map((op) => [op.key, op.type === 'put' ? op.value : null]);
  return packr.pack({ v: commandVersion, k: 'w', c: clientId, s: seq, o } satisfies WireCommand);
}

/** Encodes an operator restore: the whole data set is replaced by `snapshot`'s (snapshot format). */
export function encodeRestore(clientId: string, seq: number, snapshot: Uint8Array): Uint8Array {
  return packr.pack({ v: commandVersion, k: 'r', c: clientId, s: seq, b: snapshot } satisfies WireCommand);
}

/** Encodes a member-info update. */
export function encodeMemberCommand(info: MemberInfo): Uint8Array {
  return packr.pack({ v: commandVersion, k: 'm', i: memberFields(info) } satisfies WireCommand);
}

/** Decodes a normal entry's data; `undefined` for an empty entry; integrity_failure if malformed. */
export function decodeCommand(data: Uint8Array): Command | undefined {
  if (data.length === 0) return undefined;
  let raw: unknown;
  try {
    raw = packr.unpack(data);
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
    return { kind: 'restore', clientId: w['c'], seq: w['s'], snapshot: w['b'] };
  }
  if (w['k'] !== 'w' || typeof w['c'] !== 'string' || typeof w['s'] !== 'number' || !Array.isArray(w['o']))
    throw malformed();
  const ops: PhysicalOp[] = (w['o'] as unknown[]).map((op) => {
    if (!Array.isArray(op) || typeof op[0] !== 'string') throw malformed();
    const value: unknown = op[1];
    if (value === null) return { type: 'delete', key: op[0] };
    if (!(value instanceof Uint8Array)) throw malformed();
    return { type: 'put', key: op[0], value };
  });
  return { kind: 'write', clientId: w['c'], seq: w['s'], ops };
}

function decodeRestoreStep(w: Partial<Record<string, unknown>>): Command {
  const clientId = w['c'];
  const seq = w['s'];
  const restoreId = w['r'];
  if (typeof clientId !== 'string' || typeof seq !== 'number' || typeof restoreId !== 'string')
    throw malformed();
  if (w['k'] === 'rb') return { kind: 'restore-begin', clientId, seq, restoreId };
  if (w['k'] === 'rc') return { kind: 'restore-commit', clientId, seq, restoreId };
  const parts = w['p'];
  if (!Array.isArray(parts)) throw malformed();
  const records = (parts as unknown[]).map((r): [string, Uint8Array] => {
    if (!Array.isArray(r) || typeof r[0] !== 'string' || !(r[1] instanceof Uint8Array)) throw malformed();
    return [r[0], r[1]];
  });
  return { kind: 'restore-part', clientId, seq, restoreId, records };
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
