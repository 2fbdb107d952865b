/**
 * Runs every checker over one history and folds their findings into one list of violations,
 * each naming the checker, the rule and the ops involved (so the report can link them).
 */
import type { History } from '../history.js';
import { checkFailover, type FailoverBounds, type FailoverResult } from './failover.js';
import { checkLostWrites, type LostWriteResult } from './lost-writes.js';
import { checkRegisters, type KeyVerdict } from './register.js';
import { checkTokens, type TokenBounds, type TokenResult } from './tokens.js';

/** Every bound the checkers use (ms). */
export interface CheckBounds extends TokenBounds, FailoverBounds {
  /** Total time the linearizability search may take. */
  linearizabilityBudgetMs: number;
}

/** One finding. */
export interface Violation {
  checker: 'linearizability' | 'lost-writes' | 'tokens' | 'failover';
  rule: string;
  detail: string;
  opIds: number[];
}

/** Everything the checkers found. */
export interface CheckResults {
  valid: boolean;
  /** True when some key's linearizability could not be decided within the budget. */
  undecided: boolean;
  operations: { total: number; ok: number; fail: number; unknown: number };
  registers: KeyVerdict[];
  lostWrites: LostWriteResult;
  tokens: TokenResult;
  failover: FailoverResult;
  violations: Violation[];
}

/** Runs all checkers. `nowMs` is the budget clock of the linearizability search. */
export function checkAll(history: History, bounds: CheckBounds, nowMs: () => number): CheckResults {
  const registers = checkRegisters(history, bounds.linearizabilityBudgetMs, nowMs);
  const lostWrites = checkLostWrites(history);
  const tokens = checkTokens(history, bounds);
  const failover = checkFailover(history, bounds);
  const violations: Violation[] = [
    ...registers
      .filter((r) => r.verdict === 'illegal')
      .map((r) => ({
        checker: 'linearizability' as const,
        rule: 'linearizable',
        detail: `key ${r.key}: no linearization of ${r.ops} ops; ops ${r.blockedOps?.join(', ')} cannot follow the longest legal prefix of ${r.longestPrefix?.length} ops`,
        opIds: [...(r.blockedOps ?? []), ...(r.longestPrefix ?? []).slice(-5)],
      })),
    ...lostWrites.lost.map((l) => ({
      checker: 'lost-writes' as const,
      rule: 'acknowledged-write-kept',
      detail: `key ${l.key} on ${l.node}: acknowledged v${l.ackedVersion ?? '?'} ${l.ackedValue}, ${l.found}`,
      opIds: [l.opId],
    })),
    ...tokens.violations.map((t) => ({
      checker: 'tokens' as const,
      rule: t.rule,
      detail: `${t.token}: ${t.detail}${skewNote(history, bounds, t.opIds[0])}`,
      opIds: t.opIds,
    })),
    ...failover.violations.map((f) => ({
      checker: 'failover' as const,
      rule: f.rule,
      detail: f.detail,
      opIds: f.opIds,
    })),
  ];
  const count = (o: string): number => history.ops.filter((op) => op.outcome === o).length;
  return {
    valid: violations.length === 0,
    undecided: registers.some((r) => r.verdict === 'unknown'),
    operations: {
      total: history.ops.length,
      ok: count('ok'),
      fail: count('fail'),
      unknown: count('unknown'),
    },
    registers,
    lostWrites,
    tokens,
    failover,
    violations,
  };
}

/**
 * Names the out-of-bound clock faults in effect when op `opId` ran (a token rule broken then is
 * what an unfenced skewed node causes; it stays a violation, the note points at the cause).
 */
function skewNote(history: History, bounds: CheckBounds, opId: number): string {
  const op = history.ops.find((o) => o.id === opId);
  if (op === undefined) return '';
  const at = op.completeMs ?? op.invokeMs;
  const causes: string[] = [];
  for (const start of history.events) {
    if (start.kind !== 'fault-start' || start.offsetsMs === undefined) continue;
    const stop = history.events.find(
      (e) => e.kind === 'fault-stop' && e.nemesis === start.nemesis && e.atMs >= start.atMs,
    );
    // Tokens granted during the skew carry its stamp for up to their TTL plus the lateness bound.
    const until = (stop?.atMs ?? Infinity) + bounds.lateMs + 10_000;
    if (at < start.atMs || at > until) continue;
    for (const [node, offset] of Object.entries(start.offsetsMs)) {
      if (Math.abs(offset) > bounds.skewBoundMs) causes.push(`${node} ${offset} ms`);
    }
  }
  return causes.length === 0 ? '' : ` [during out-of-bound clock skew: ${causes.join(', ')}]`;
}
