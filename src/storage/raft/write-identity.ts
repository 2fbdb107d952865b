/**
 * The identity the writes of one forwarded request carry into the Raft log. The active node runs a
 * request a standby forwarded inside `runAsForwarded` with the standby's (client id, sequence,
 * floor); every Raft storage write the request makes is then proposed under that identity (parts
 * 1, 2, … in the order this execution makes them) instead of the storage's own. The replicated
 * dedupe table (client-table.ts) then knows, on every member, that the request was applied, so a
 * standby that retries it on a NEW active node after a failover does not run it twice.
 *
 * AsyncLocalStorage carries it through the HTTP app and core to `RaftStorage.batch` without
 * threading a parameter through every layer.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { WriteId } from './client-table.js';

/** One forwarded request's identity. */
export interface ForwardedWriteIdentity {
  /** The forwarding client (a standby process), namespaced apart from storage clients. */
  clientId: string;
  seq: number;
  /** The lowest request sequence that client still awaits. */
  floor: number;
  /** Writes this execution has proposed so far. */
  parts: number;
  /**
   * Set once the request's execution has ended: work it left behind (a timer, a background task
   * inheriting the async context) then writes under the storage's own identity, not the request's.
   */
  ended: boolean;
}

const current = new AsyncLocalStorage<ForwardedWriteIdentity>();

/** The dedupe-table client id of a forwarding client (never equal to a storage's own id). */
export function forwardedClientId(forwarderId: string): string {
  return `fwd:${forwarderId}`;
}

/** Runs `fn` so that the Raft storage writes it makes carry (forwarderId, seq, floor). */
export async function runAsForwarded<T>(
  forwarderId: string,
  seq: number,
  floor: number,
  fn: () => Promise<T>,
): Promise<T> {
  const identity = { clientId: forwardedClientId(forwarderId), seq, floor, parts: 0, ended: false };
  try {
    return await current.run(identity, fn);
  } finally {
    identity.ended = true;
  }
}

/** The identity of the forwarded request this code runs for, if any. */
export function currentForwardedWrite(): ForwardedWriteIdentity | undefined {
  return current.getStore();
}

/**
 * A client's sequence numbers and its floor (the lowest sequence still awaiting its outcome, see
 * client-table.ts): `run` numbers one operation and keeps it unsettled until it ends.
 */
export class SequenceWindow {
  private last = 0;
  /** Unsettled sequences in increasing order (insertion order), so the first is the floor. */
  private readonly unsettled = new Set<number>();

  /** Runs `fn` with the next sequence and the floor of this moment; settles it when `fn` ends. */
  async run<T>(fn: (seq: number, floor: number) => Promise<T>): Promise<T> {
    const seq = ++this.last;
    this.unsettled.add(seq);
    try {
      return await fn(seq, this.unsettled.values().next().value as number);
    } finally {
      this.unsettled.delete(seq);
    }
  }
}

/** The `WriteId` of the next write of the forwarded request this code runs for, if any. */
export function nextForwardedWriteId(): WriteId | undefined {
  const forwarded = current.getStore();
  if (forwarded === undefined || forwarded.ended) return undefined;
  return {
    clientId: forwarded.clientId,
    seq: forwarded.seq,
    part: ++forwarded.parts,
    floor: forwarded.floor,
  };
}
