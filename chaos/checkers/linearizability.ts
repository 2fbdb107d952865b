/**
 * A Wing–Gong/Lowe linearizability search in the style of Porcupine (written from its published
 * description): the history of ONE partition (one key) becomes a list of call/return entries
 * ordered by harness time; the search repeatedly linearizes a pending call whose model step is
 * legal, lifts it out of the list and backtracks when it meets a return whose call could not be
 * placed. (linearized-set, model-state) pairs already explored are memoised, so each is visited
 * once. The model may be nondeterministic: a step returns every possible next state and the
 * search tracks the set of states (Porcupine's power-set construction). Ops with an unknown
 * outcome return at +∞, so they may take effect at any later point or never be observed.
 * A time budget bounds the search: running out yields the explicit verdict `unknown`.
 */

/** A model of the object under test; `step` must be pure. */
export interface Model<S, I, O> {
  init(): S;
  /** Every state the object can be in after applying `input` observed as `output` (empty = illegal). */
  step(state: S, input: I, output: O): S[];
  /** A canonical text of the state (equal states, equal text). */
  hash(state: S): string;
  describe?(input: I, output: O): string;
}

/** One operation of a partition. `returnMs` = Infinity for an unknown outcome. */
export interface LinOp<I, O> {
  id: number;
  input: I;
  output: O;
  callMs: number;
  returnMs: number;
}

/** `ok`: linearizable; `illegal`: no linearization exists; `unknown`: budget exhausted. */
export type Verdict = 'ok' | 'illegal' | 'unknown';

/** What the search found. */
export interface LinResult {
  verdict: Verdict;
  /** The longest legal prefix found (op ids, in linearization order); evidence for `illegal`. */
  longestPrefix: number[];
  /** Ops that had returned but could not be placed after `longestPrefix` (the culprits). */
  blockedOps: number[];
  /** Search steps taken. */
  steps: number;
}

interface Entry {
  op: number;
  isCall: boolean;
  time: number;
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

/** Checks one partition. `budget.deadlineMs` is compared with `budget.nowMs()`. */
export function checkLinearizable<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly LinOp<I, O>[],
  budget: { deadlineMs: number; nowMs: () => number },
): LinResult {
  const entries: Entry[] = [];
  ops.forEach((op, i) => {
    const call: Entry = { op: i, isCall: true, time: op.callMs, match: null, prev: null, next: null };
    const ret: Entry = { op: i, isCall: false, time: op.returnMs, match: null, prev: null, next: null };
    call.match = ret;
    entries.push(call, ret);
  });
  // Calls before returns at equal times: touching ops count as concurrent (the lenient reading).
  entries.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
  const head: Entry = { op: -1, isCall: false, time: -Infinity, match: null, prev: null, next: null };
  let last = head;
  for (const e of entries) {
    last.next = e;
    e.prev = last;
    last = e;
  }

  const hashSet = (states: S[]): string => states.map((s) => model.hash(s)).join('\u0001');
  const stepAll = (states: S[], op: LinOp<I, O>): S[] => {
    const out = new Map<string, S>();
    for (const s of states) for (const n of model.step(s, op.input, op.output)) out.set(model.hash(n), n);
    return [...out.values()];
  };
  const lift = (call: Entry): void => {
    call.prev!.next = call.next;
    if (call.next) call.next.prev = call.prev;
    const ret = call.match!;
    ret.prev!.next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  };
  const unlift = (call: Entry): void => {
    const ret = call.match!;
    ret.prev!.next = ret;
    if (ret.next) ret.next.prev = ret;
    call.prev!.next = call;
    if (call.next) call.next.prev = call;
  };

  const linearized = new Uint8Array(ops.length);
  const cache = new Set<string>();
  const stack: { entry: Entry; states: S[] }[] = [];
  let states: S[] = [model.init()];
  let entry = head.next;
  let steps = 0;
  let longest: number[] = [];
  let blocked: number[] = [];

  const bitsKey = (): string => {
    let key = '';
    for (let i = 0; i < linearized.length; i += 6) {
      let chunk = 0;
      for (let j = 0; j < 6 && i + j < linearized.length; j++) chunk |= linearized[i + j] << j;
      key += String.fromCharCode(48 + chunk);
    }
    return key;
  };
  const result = (verdict: Verdict): LinResult => ({
    verdict,
    longestPrefix: longest.map((i) => ops[i].id),
    blockedOps: blocked.map((i) => ops[i].id),
    steps,
  });

  while (head.next !== null) {
    if (++steps % 2048 === 0 && budget.nowMs() > budget.deadlineMs) return result('unknown');
    if (entry === null) return result('unknown'); // cannot happen: a return always follows its call
    if (entry.isCall) {
      const next = stepAll(states, ops[entry.op]);
      if (next.length > 0) {
        linearized[entry.op] = 1;
        const key = `${bitsKey()}|${hashSet(next)}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ entry, states });
          states = next;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[entry.op] = 0;
      }
      entry = entry.next;
      continue;
    }
    // A return whose call is not linearized yet: backtrack.
    if (stack.length >= longest.length) {
      if (stack.length > longest.length || blocked.length === 0) {
        longest = stack.map((s) => s.entry.op);
        blocked = [];
      }
      if (!blocked.includes(entry.op)) blocked.push(entry.op);
    }
    const top = stack.pop();
    if (top === undefined) return result('illegal');
    states = top.states;
    linearized[top.entry.op] = 0;
    unlift(top.entry);
    entry = top.entry.next;
  }
  longest = stack.map((s) => s.entry.op);
  blocked = [];
  return result('ok');
}
