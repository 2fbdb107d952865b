/**
 * Pending linearizable reads on the leader (Raft thesis §6.4, etcd read_only.go), batched: all
 * reads registered before a heartbeat round share it, and a quorum of acks for read `seq` confirms
 * every read with a smaller or equal seq. Each round carries a fresh internal context (a sequence
 * number), never the client's bytes, so duplicate client contexts cannot confuse rounds
 * (etcd-io/raft #397).
 */
import { majority } from './quorum.js';
import type { NodeId } from './types.js';

/** One read waiting for leadership confirmation. */
export interface PendingRead {
  seq: number;
  /** The commit index when the read arrived: the read is served once applied ≥ index. */
  index: number;
  /** Who asked (the leader itself or a follower that forwarded it). */
  from: NodeId;
  requestCtx: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const prefix = 'read:';

/** Encodes a heartbeat context for read round `seq`. */
export function readRoundContext(seq: number): Uint8Array {
  return encoder.encode(prefix + String(seq));
}

/** Decodes a heartbeat context; undefined when it is not a read round. */
export function parseReadRoundContext(ctx: Uint8Array | undefined): number | undefined {
  if (!ctx || ctx.length === 0 || ctx.length > 32) return undefined;
  const s = decoder.decode(ctx);
  if (!s.startsWith(prefix)) return undefined;
  const n = Number(s.slice(prefix.length));
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The leader's queue of reads awaiting a heartbeat quorum. */
export class ReadOnly {
  private queue: PendingRead[] = [];
  private readonly acks = new Map<number, Set<NodeId>>();
  private nextSeq = 1;
  /** Highest seq whose heartbeat round has not been broadcast yet (0 = none). */
  unsentSeq = 0;

  constructor(private readonly maxPending: number) {}

  get pendingCount(): number {
    return this.queue.length;
  }

  /** Registers a read at commit index `index`; returns its seq, or undefined when the queue is full. */
  add(index: number, from: NodeId, requestCtx: Uint8Array, selfId: NodeId): number | undefined {
    if (this.queue.length >= this.maxPending) return undefined;
    const seq = this.nextSeq++;
    this.queue.push({ seq, index, from, requestCtx });
    this.acks.set(seq, new Set([selfId]));
    this.unsentSeq = seq;
    return seq;
  }

  /** Records that `from` acknowledged the round for `seq`; returns the ack count for that round. */
  recvAck(from: NodeId, seq: number): number {
    const set = this.acks.get(seq);
    if (!set) return 0;
    set.add(from);
    return set.size;
  }

  /** Acks for round `seq` counted over `voters` only. */
  voterAcks(seq: number, voters: readonly NodeId[]): number {
    const set = this.acks.get(seq);
    if (!set) return 0;
    return voters.filter((id) => set.has(id)).length;
  }

  /** True when round `seq` has a quorum of voter acks. */
  hasQuorum(seq: number, voters: readonly NodeId[]): boolean {
    return this.voterAcks(seq, voters) >= majority(voters.length);
  }

  /** Removes and returns every read with seq ≤ `seq` (confirmed by that round). */
  advance(seq: number): PendingRead[] {
    let n = 0;
    while (n < this.queue.length && this.queue[n].seq <= seq) n++;
    const released = this.queue.slice(0, n);
    this.queue = this.queue.slice(n);
    for (const r of released) this.acks.delete(r.seq);
    return released;
  }
}
