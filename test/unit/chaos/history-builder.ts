/** Builds hand-written histories for the checker tests (times in ms on the harness clock). */
import type { History, HistoryEvent, Op } from '../../../chaos/history.js';

/** A tiny DSL: `b.op({...})` appends an op with the next id. */
export class HistoryBuilder {
  readonly history: History = { ops: [], events: [], finals: [] };

  op(fields: Partial<Op> & Pick<Op, 'f' | 'invokeMs' | 'completeMs'>): Op {
    const op: Op = {
      id: this.history.ops.length,
      client: 'c0',
      node: 'node1',
      key: 'k',
      outcome: fields.completeMs === null ? 'unknown' : 'ok',
      ...fields,
    };
    this.history.ops.push(op);
    return op;
  }

  event(event: HistoryEvent): void {
    this.history.events.push(event);
  }
}
