/**
 * The simulated application: it records nothing but a hash chain over every applied entry
 * (index, term, type, data), so two nodes agree on their applied sequence iff their chains agree.
 * Its snapshot is (index, chain). It asserts that entries arrive contiguously, which checks the
 * core never skips or repeats a committed entry.
 */
import type { Entry } from '../../src/raft/types.js';
import { chainHash, hashBytes } from './hash.js';

/** Hash chain state machine used by every simulated node. */
export class SimStateMachine {
  appliedIndex = 0;
  chain = 0;

  /** Applies the next entry; throws if it is not exactly appliedIndex + 1. */
  apply(entry: Entry): void {
    if (entry.index !== this.appliedIndex + 1) {
      throw new SimInvariantError(
        `applied entries not contiguous: got index ${entry.index} after applied ${this.appliedIndex}`,
      );
    }
    this.chain = chainHash(this.chain, entry.index, entry.term, entry.type, hashBytes(entry.data));
    this.appliedIndex = entry.index;
  }

  snapshot(): Uint8Array {
    const out = new Uint8Array(16);
    const view = new DataView(out.buffer);
    view.setFloat64(0, this.appliedIndex);
    view.setFloat64(8, this.chain);
    return out;
  }

  restore(data: Uint8Array): void {
    if (data.length === 0) {
      this.appliedIndex = 0;
      this.chain = 0;
      return;
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.appliedIndex = view.getFloat64(0);
    this.chain = view.getFloat64(8);
  }
}

/** A broken simulator invariant: the message says which, the runner adds seed and trace. */
export class SimInvariantError extends Error {
  override name = 'SimInvariantError';
}
