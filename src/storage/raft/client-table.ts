/**
 * The replicated dedupe table of Raft storage (Raft thesis §6.3, client sessions): which writes of
 * which client have been applied, so a write proposed again — a timed-out proposal retried, or a
 * forwarded request retried on a new active node after a failover — is applied once.
 *
 * A write is identified by (client id, sequence, part): a proposer numbers its writes (or, for a
 * forwarded HTTP request, the standby numbers its requests and `part` counts the writes one
 * execution of the request makes). Every write also carries the client's `floor`: the lowest
 * sequence it still awaits an answer for. Everything below the floor is settled (the client will
 * never propose it again), so the table keeps, per client, only the applied sequences at or above
 * the floor — bounded by what the client has in flight, not by how much it ever wrote. A write
 * below its client's floor is applied and not remembered: the client never retries below its
 * floor, so it is no retry but a straggler (say a later write of a forwarded request the standby
 * stopped waiting for); dropping it would leave that request half applied.
 *
 * Clients are evicted least-recently-written first beyond `clientsMax` (a restarted process is a
 * new client; the old one then ages out). A client with more than `seqsPerClientMax` applied
 * writes above its floor forgets its oldest ones (a retry of those would apply again).
 *
 * The table is part of the state machine: `StateStore` applies it with the entries, in the same
 * LevelDB batch, one record per client touched, and it travels in snapshots (it is state-store
 * records), so every member — and a new leader — decides the same way.
 */
import { Packr } from 'msgpackr';
import { ArcaError } from '../../lib/errors.js';

/** One client's applied writes above its floor. */
interface ClientRecord {
  floor: number;
  /** Log index of the client's latest write (restores the eviction order after a restart). */
  lastIndex: number;
  /** sequence → applied parts. */
  applied: Map<number, number[]>;
}

/** What identifies one replicated write. */
export interface WriteId {
  clientId: string;
  seq: number;
  /** Which write of a multi-write request (1-based); 0 for a proposer's own numbered write. */
  part: number;
  /** The lowest sequence the client still awaits (≤ seq); 0 when unknown. */
  floor: number;
}

const packr = new Packr({ useRecords: false });

/** The dedupe table in memory; see the module comment. */
export class ClientTable {
  /** Least recently written first (a touched client is moved to the end). */
  private readonly clients = new Map<string, ClientRecord>();

  constructor(
    private readonly clientsMax: number,
    private readonly seqsPerClientMax: number,
  ) {}

  /** Number of clients remembered. */
  get size(): number {
    return this.clients.size;
  }

  /**
   * Decides whether the write `id` (the entry at `index`) applies (true) or is a duplicate
   * (false), and records it; adds its client to `touched` (records to store).
   */
  admit(id: WriteId, index: number, touched: Set<string>): boolean {
    let record = this.clients.get(id.clientId);
    if (record === undefined) record = { floor: 0, lastIndex: index, applied: new Map() };
    record.lastIndex = index;
    this.clients.delete(id.clientId);
    this.clients.set(id.clientId, record);
    touched.add(id.clientId);
    if (id.floor > record.floor) {
      record.floor = id.floor;
      for (const seq of record.applied.keys()) if (seq < id.floor) record.applied.delete(seq);
    }
    if (id.seq < record.floor) return true;
    const parts = record.applied.get(id.seq);
    if (parts?.includes(id.part)) return false;
    if (parts === undefined) record.applied.set(id.seq, [id.part]);
    else parts.push(id.part);
    while (record.applied.size > this.seqsPerClientMax) {
      const oldest = Math.min(...record.applied.keys());
      record.applied.delete(oldest);
    }
    return true;
  }

  /** Evicts the least recently written clients beyond the bound; returns their ids. */
  evict(): string[] {
    const out: string[] = [];
    for (const clientId of this.clients.keys()) {
      if (this.clients.size - out.length <= this.clientsMax) break;
      out.push(clientId);
    }
    for (const clientId of out) this.clients.delete(clientId);
    return out;
  }

  /**
   * True when any write of (clientId, seq) was applied — or seq is below the client's floor
   * (settled: the client reported it will not send it again, so it must not run again either).
   */
  hasApplied(clientId: string, seq: number): boolean {
    const record = this.clients.get(clientId);
    if (record === undefined) return false;
    return seq < record.floor || record.applied.has(seq);
  }

  /** The stored form of a client's record (undefined once evicted). */
  encode(clientId: string): Uint8Array | undefined {
    const record = this.clients.get(clientId);
    if (record === undefined) return undefined;
    return packr.pack([record.floor, record.lastIndex, [...record.applied]]);
  }

  /** Replaces the whole table with stored records (any order). */
  load(rows: readonly { clientId: string; value: Uint8Array }[]): void {
    const decoded = rows.map(({ clientId, value }) => ({ clientId, record: decodeRecord(value) }));
    decoded.sort((a, b) => a.record.lastIndex - b.record.lastIndex);
    this.clients.clear();
    for (const { clientId, record } of decoded) this.clients.set(clientId, record);
  }
}

function decodeRecord(value: Uint8Array): ClientRecord {
  let raw: unknown;
  try {
    raw = packr.unpack(value);
  } catch {
    throw malformed();
  }
  if (
    !Array.isArray(raw) ||
    raw.length !== 3 ||
    typeof raw[0] !== 'number' ||
    typeof raw[1] !== 'number' ||
    !Array.isArray(raw[2])
  )
    throw malformed();
  const applied = new Map<number, number[]>();
  for (const row of raw[2] as unknown[]) {
    if (
      !Array.isArray(row) ||
      typeof row[0] !== 'number' ||
      !Array.isArray(row[1]) ||
      !(row[1] as unknown[]).every((p) => typeof p === 'number')
    )
      throw malformed();
    applied.set(row[0], row[1] as number[]);
  }
  return { floor: raw[0], lastIndex: raw[1], applied };
}

function malformed(): ArcaError {
  return new ArcaError('integrity_failure', 'raft state: malformed dedupe record');
}
