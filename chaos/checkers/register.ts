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

/** Register ops of the history that carry information, grouped by key. */
export function registerPartitions(history: History): Map<string, LinOp<RegisterInput, RegisterOutput>[]> {
  const byKey = new Map<string, LinOp<RegisterInput, RegisterOutput>[]>();
  for (const op of history.ops) {
    if (op.f !== 'read' && op.f !== 'write' && op.f !== 'cas') continue;
    if (op.f === 'read' && op.outcome !== 'ok') continue; // a failed read observed nothing
    if (op.f === 'write' && op.outcome === 'fail') continue; // definitely no effect
    if (op.notExecuted === true) continue; // never reached a server: no effect, no information
    const list = byKey.get(op.key) ?? [];
    list.push({
      id: op.id,
      input: { f: op.f, value: op.value, expectVersion: op.expectVersion },
      output: { outcome: op.outcome, value: op.result?.value, version: op.result?.version },
      callMs: op.invokeMs,
      returnMs: op.completeMs ?? Infinity,
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
