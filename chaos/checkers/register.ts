/**
 * The KV v2 register model and the per-key linearizability check of a gameday history
 * (P-compositionality: a history is linearizable iff every key's sub-history is). State is the
 * key's current version and value (version 0 = absent). A write creates version+1; a cas applies
 * only when the expected version matches (cas 0 = create only); a failed cas proves a mismatch.
 * Unknown writes and cas may take effect at any later time, or never.
 */
import type { History, Op } from '../history.js';
import { checkLinearizable, type LinOp, type Model, type Verdict } from './linearizability.js';

/** A register's state. */
export interface RegisterState {
  version: number;
  value: string | null;
}

/** What a register op asked for. */
export interface RegisterInput {
  f: 'read' | 'write' | 'cas';
  value?: string;
  expectVersion?: number;
}

/** What it observed. */
export interface RegisterOutput {
  outcome: Op['outcome'];
  value?: string | null;
  version?: number;
}

/** The model for one KV v2 key. */
export const registerModel: Model<RegisterState, RegisterInput, RegisterOutput> = {
  init: () => ({ version: 0, value: null }),
  hash: (s) => `${s.version}:${s.value ?? ''}`,
  step(state, input, output) {
    const next = (): RegisterState => ({ version: state.version + 1, value: input.value ?? null });
    const versionMatches = output.version === undefined || output.version === state.version + 1;
    switch (input.f) {
      case 'read':
        return (output.value ?? null) === state.value &&
          (output.version === undefined || output.version === state.version)
          ? [state]
          : [];
      case 'write':
        if (output.outcome === 'ok') return versionMatches ? [next()] : [];
        if (output.outcome === 'fail') return [state];
        return [next()];
      case 'cas': {
        const matches = state.version === input.expectVersion;
        if (output.outcome === 'ok') return matches && versionMatches ? [next()] : [];
        if (output.outcome === 'fail') return matches ? [] : [state];
        return matches ? [next()] : [state];
      }
    }
  },
  describe: (input, output) =>
    `${input.f}${input.expectVersion !== undefined ? `(cas=${input.expectVersion})` : ''}${
      input.value !== undefined ? ` ${input.value}` : ''
    } → ${output.outcome}${output.value !== undefined ? ` ${output.value}` : ''}${
      output.version !== undefined ? ` v${output.version}` : ''
    }`,
};

/** The verdict for one key. */
export interface KeyVerdict {
  key: string;
  verdict: Verdict;
  ops: number;
  steps: number;
  /** For `illegal`: the longest legal prefix and the ops that could not follow it. */
  longestPrefix?: number[];
  blockedOps?: number[];
}

/**
 * The version → value map of a key as committed, from a final read that returned every version
 * 1..current (values are unique, so this says which writes took effect, and in which order).
 */
function committedVersions(history: History, key: string): Map<string, number> | undefined {
  for (const f of history.finals ?? []) {
    if (f.key !== key) continue;
    const byValue = new Map<string, number>();
    let complete = true;
    for (let v = 1; v <= f.currentVersion; v++) {
      const value = f.versions[String(v)];
      if (value === null || value === undefined) complete = false;
      else byValue.set(value, v);
    }
    if (complete) return byValue;
  }
  return undefined;
}

/**
 * Register ops of the history that carry information, grouped by key. Writes with an unknown
 * outcome are resolved from the committed versions when a final read returned all of them (the
 * etcd robustness tests patch from the WAL the same way): a value that was never committed had no
 * effect (dropped); one committed as version v took effect, as version v, before every op that
 * observed version ≥ v completed — which bounds its return time. Counts go to `patched`.
 */
export function registerPartitions(
  history: History,
  patched = { applied: 0, dropped: 0 },
): Map<string, LinOp<RegisterInput, RegisterOutput>[]> {
  const byKey = new Map<string, LinOp<RegisterInput, RegisterOutput>[]>();
  const committed = new Map<string, Map<string, number> | undefined>();
  for (const op of history.ops) {
    if (op.f !== 'read' && op.f !== 'write' && op.f !== 'cas') continue;
    if (op.f === 'read' && op.outcome !== 'ok') continue; // a failed read observed nothing
    if (op.f === 'write' && op.outcome === 'fail') continue; // definitely no effect
    if (op.notExecuted === true) continue; // never reached a server: no effect, no information
    if (!committed.has(op.key)) committed.set(op.key, committedVersions(history, op.key));
    let output: RegisterOutput = {
      outcome: op.outcome,
      value: op.result?.value,
      version: op.result?.version,
    };
    let returnMs = op.completeMs ?? Infinity;
    const versions = committed.get(op.key);
    if (op.f !== 'read' && op.outcome === 'unknown' && versions !== undefined) {
      const v = versions.get(op.value ?? '');
      if (v === undefined) {
        patched.dropped++;
        continue;
      }
      patched.applied++;
      output = { outcome: 'ok', version: v };
      for (const other of history.ops) {
        if (other.key !== op.key || other.outcome !== 'ok' || other.completeMs === null) continue;
        if ((other.result?.version ?? 0) >= v && other.id !== op.id)
          returnMs = Math.min(returnMs, other.completeMs);
      }
      returnMs = Math.max(returnMs, op.invokeMs);
    }
    const list = byKey.get(op.key) ?? [];
    list.push({
      id: op.id,
      input: { f: op.f, value: op.value, expectVersion: op.expectVersion },
      output,
      callMs: op.invokeMs,
      returnMs,
    });
    byKey.set(op.key, list);
  }
  return byKey;
}

/** Checks every key within `budgetMs` of total search time (shared fairly between keys). */
export function checkRegisters(history: History, budgetMs: number, nowMs: () => number): KeyVerdict[] {
  const partitions = [...registerPartitions(history).entries()].sort(([a], [b]) => a.localeCompare(b));
  const verdicts: KeyVerdict[] = [];
  const end = nowMs() + budgetMs;
  partitions.forEach(([key, ops], i) => {
    const share = (end - nowMs()) / (partitions.length - i);
    const r = checkLinearizable(registerModel, ops, { deadlineMs: nowMs() + share, nowMs });
    const verdict: KeyVerdict = { key, verdict: r.verdict, ops: ops.length, steps: r.steps };
    if (r.verdict === 'illegal') {
      verdict.longestPrefix = r.longestPrefix;
      verdict.blockedOps = r.blockedOps;
    }
    verdicts.push(verdict);
  });
  return verdicts;
}
