/**
 * The replicated commands of Raft storage: what one normal log entry carries (msgpackr, versioned).
 *
 * - a write: the ops of ONE barrier put/delete/batch (barrier ciphertext, never plaintext) with the
 *   proposer's (client id, sequence), so a retried proposal is applied once;
 * - a member update: the `MemberInfo` of a member (the leader records its own on activation).
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
  | { kind: 'member'; info: MemberInfo };

const commandVersion = 1;
// copyBuffers: decoded values must not alias the entry's bytes (the log image keeps those).
const packr = new Packr({ useRecords: false, copyBuffers: true });

type WireOp = [string, Uint8Array | null];
type WireCommand =
  | { v: number; k: 'w'; c: string; s: number; o: WireOp[] }
  | { v: number; k: 'r'; c: string; s: number; b: Uint8Array }
  | { v: number; k: 'm'; i: MemberInfo };

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
