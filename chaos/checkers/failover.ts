/**
 * Failover windows, elections and the clock-offset fence, from the nemesis and leader events.
 * - window: from each fault's start to the completion of the first acknowledged register write
 *   invoked at or after it; a fault after which no write ever succeeds is a liveness violation,
 *   as is a window longer than `maxWindowMs`.
 * - elections: changes of the leader the harness observed (ignoring "no leader" gaps).
 * - fence: while a node's injected clock offset exceeds `skewBoundMs`, it must not be observed
 *   as the leader later than `fenceGraceMs` after the offset was applied.
 */
import type { History, HistoryEvent } from '../history.js';

/** Limits for the check. */
export interface FailoverBounds {
  maxWindowMs: number;
  skewBoundMs: number;
  fenceGraceMs: number;
}

/** One fault and how long writes took to resume. */
export interface FailoverWindow {
  nemesis: string;
  detail: string;
  atMs: number;
  /** null: no write succeeded afterwards. */
  windowMs: number | null;
  /** The first acknowledged write after the fault. */
  opId?: number;
}

/** A liveness or fencing violation. */
export interface FailoverViolation {
  rule: 'liveness' | 'fence';
  atMs: number;
  detail: string;
  opIds: number[];
}

/** Result of the check. */
export interface FailoverResult {
  faults: number;
  windows: FailoverWindow[];
  medianWindowMs: number | null;
  maxWindowMs: number | null;
  elections: number;
  leaders: string[];
  violations: FailoverViolation[];
}

/** Computes windows, elections and fence violations. */
export function checkFailover(history: History, bounds: FailoverBounds): FailoverResult {
  const writes = history.ops
    .filter((o) => (o.f === 'write' || o.f === 'cas') && o.outcome === 'ok')
    .sort((a, b) => a.invokeMs - b.invokeMs);
  const starts = history.events.filter((e) => e.kind === 'fault-start');
  const violations: FailoverViolation[] = [];
  const windows = starts.map((fault): FailoverWindow => {
    const first = writes
      .filter((w) => w.invokeMs >= fault.atMs)
      .reduce<(typeof writes)[number] | undefined>(
        (best, w) => (best === undefined || w.completeMs! < best.completeMs! ? w : best),
        undefined,
      );
    const windowMs = first === undefined ? null : first.completeMs! - fault.atMs;
    if (windowMs === null || windowMs > bounds.maxWindowMs) {
      violations.push({
        rule: 'liveness',
        atMs: fault.atMs,
        detail: `${fault.nemesis ?? 'fault'} (${fault.detail}): ${windowMs === null ? 'no write succeeded afterwards' : `writes resumed only after ${Math.round(windowMs)} ms`}`,
        opIds: first === undefined ? [] : [first.id],
      });
    }
    return {
      nemesis: fault.nemesis ?? 'fault',
      detail: fault.detail,
      atMs: fault.atMs,
      windowMs,
      opId: first?.id,
    };
  });
  const measured = windows
    .map((w) => w.windowMs)
    .filter((w): w is number => w !== null)
    .sort((a, b) => a - b);

  const leaderEvents = history.events.filter((e) => e.kind === 'leader').sort((a, b) => a.atMs - b.atMs);
  const leaders: string[] = [];
  for (const e of leaderEvents) {
    const leader = e.nodes?.[0];
    if (leader !== undefined && leader !== leaders[leaders.length - 1]) leaders.push(leader);
  }
  violations.push(...fenceViolations(history.events, leaderEvents, bounds));
  return {
    faults: starts.length,
    windows,
    medianWindowMs: measured.length === 0 ? null : measured[Math.floor((measured.length - 1) / 2)],
    maxWindowMs: measured.length === 0 ? null : measured[measured.length - 1],
    elections: Math.max(0, leaders.length - 1),
    leaders,
    violations,
  };
}

function fenceViolations(
  events: HistoryEvent[],
  leaderEvents: HistoryEvent[],
  bounds: FailoverBounds,
): FailoverViolation[] {
  const out: FailoverViolation[] = [];
  const clockStarts = events.filter((e) => e.kind === 'fault-start' && e.offsetsMs !== undefined);
  for (const start of clockStarts) {
    const stop = events.find(
      (e) => e.kind === 'fault-stop' && e.nemesis === start.nemesis && e.atMs >= start.atMs,
    );
    const until = stop?.atMs ?? Infinity;
    for (const [node, offset] of Object.entries(start.offsetsMs!)) {
      if (Math.abs(offset) <= bounds.skewBoundMs) continue;
      const from = start.atMs + bounds.fenceGraceMs;
      if (from >= until) continue;
      const inEffect = leaderEvents.filter((e) => e.atMs <= from).pop();
      const led =
        inEffect?.nodes?.[0] === node
          ? { ...inEffect, atMs: from }
          : leaderEvents.find((e) => e.nodes?.[0] === node && e.atMs > from && e.atMs < until);
      if (led !== undefined) {
        out.push({
          rule: 'fence',
          atMs: led.atMs,
          detail: `${node} led ${Math.round(led.atMs - start.atMs)} ms after its clock was skewed by ${offset} ms (bound ${bounds.skewBoundMs} ms)`,
          opIds: [],
        });
      }
    }
  }
  return out;
}
