/**
 * The gameday history: every client operation with its invoke and complete times on the
 * harness's own monotonic clock (never a node's clock), plus the nemesis and monitor events. The
 * checkers read only this, so a history saved as JSONL can be re-checked offline.
 */

/** What the operation did. Register ops act on a KV v2 key, token ops on one token. */
export type OpFunction =
  'read' | 'write' | 'cas' | 'token-create' | 'token-use' | 'token-lookup' | 'token-renew' | 'token-revoke';

/**
 * `ok`: acknowledged; `fail`: definitely had no effect (e.g. a cas mismatch, a 403 for a dead
 * token); `unknown`: timed out or failed in a way that may or may not have taken effect.
 */
export type Outcome = 'ok' | 'fail' | 'unknown';

/** One client operation. */
export interface Op {
  /** Unique, in invoke order. */
  id: number;
  /** Single-in-flight client that issued it. */
  client: string;
  /** Node id the request was sent to. */
  node: string;
  f: OpFunction;
  /** Register key, or the token's harness name (never the token itself). */
  key: string;
  /** Input: value to write (register), expected version (cas), requested TTL seconds (token). */
  value?: string;
  expectVersion?: number;
  ttlSeconds?: number;
  invokeMs: number;
  /** null = unknown outcome (the op may take effect at any later time). */
  completeMs: number | null;
  outcome: Outcome;
  /** Register: the value/version read or written. Token: ttl (s) and expire time (wall ms) seen. */
  result?: { value?: string | null; version?: number; ttlSeconds?: number; expireWallMs?: number };
  /** A short error text (never a token or secret). */
  error?: string;
  /** `fail` because the request never executed (refused connection, sealed node): it proves nothing. */
  notExecuted?: boolean;
  /** True when this op is part of the final verification phase after all faults healed. */
  final?: boolean;
}

/** A fault start/stop or an observation made by the harness. */
export interface HistoryEvent {
  atMs: number;
  kind: 'fault-start' | 'fault-stop' | 'leader' | 'note';
  /** e.g. 'kill', 'pause', 'partition', 'clock'. */
  nemesis?: string;
  /** Nodes affected, or the leader observed. */
  nodes?: string[];
  /** Human description. */
  detail: string;
  /** For clock faults: the injected wall-clock offset in ms per node. */
  offsetsMs?: Record<string, number>;
}

/** What one node holds for one key after the run (all faults healed): every version's value. */
export interface FinalRead {
  node: string;
  key: string;
  currentVersion: number;
  /** version → value (null: the node answered, with no value for that version). */
  versions: Record<string, string | null>;
  /**
   * version → the last error, for versions whose read failed every retry (a request error says
   * nothing about the data: the lost-write check counts them as unverified, not as lost).
   */
  unreadable?: Record<string, string>;
}

/** A whole gameday history. */
export interface History {
  ops: Op[];
  events: HistoryEvent[];
  /** Final per-node reads of every register (the lost-write check). */
  finals?: FinalRead[];
}

/** Records ops and events against one monotonic clock. */
export class HistoryRecorder {
  readonly ops: Op[] = [];
  readonly events: HistoryEvent[] = [];
  private nextId = 0;

  constructor(private readonly nowMs: () => number) {}

  /** Starts an operation; complete it with `complete` exactly once. */
  invoke(fields: Omit<Op, 'id' | 'invokeMs' | 'completeMs' | 'outcome'>): Op {
    const op: Op = {
      ...fields,
      id: this.nextId++,
      invokeMs: this.nowMs(),
      completeMs: null,
      outcome: 'unknown',
    };
    this.ops.push(op);
    return op;
  }

  /** Completes `op`; an `unknown` outcome keeps `completeMs` null (it may still take effect). */
  complete(op: Op, outcome: Outcome, result?: Op['result'], error?: string): void {
    op.outcome = outcome;
    op.completeMs = outcome === 'unknown' ? null : this.nowMs();
    if (result !== undefined) op.result = result;
    if (error !== undefined) op.error = error.slice(0, 200);
  }

  /** Records a harness event at the current time. */
  event(fields: Omit<HistoryEvent, 'atMs'>): HistoryEvent {
    const event = { ...fields, atMs: this.nowMs() };
    this.events.push(event);
    return event;
  }

  readonly finals: FinalRead[] = [];

  history(): History {
    return { ops: this.ops, events: this.events, finals: this.finals };
  }
}

/** One JSON object per line: events ("type":"event"), ops ("type":"op"), final reads ("type":"final"). */
export function historyToJsonl(history: History): string {
  const lines = [
    ...history.events.map((e) => JSON.stringify({ type: 'event', ...e })),
    ...history.ops.map((o) => JSON.stringify({ type: 'op', ...o })),
    ...(history.finals ?? []).map((f) => JSON.stringify({ type: 'final', ...f })),
  ];
  return lines.join('\n') + '\n';
}

/** Parses `historyToJsonl` output (for offline re-checking). */
export function historyFromJsonl(text: string): History {
  const history: History = { ops: [], events: [], finals: [] };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error(`history line is not an object: ${line.slice(0, 80)}`);
    const { type, ...rest } = parsed as Record<string, unknown>;
    if (type === 'event') history.events.push(rest as unknown as HistoryEvent);
    else if (type === 'op') history.ops.push(rest as unknown as Op);
    else if (type === 'final') history.finals!.push(rest as unknown as FinalRead);
  }
  return history;
}
