/**
 * The simulated application as the production driver sees it: the hash-chain machine
 * (sim-state-machine.ts) plus the membership it derives from the configuration changes it applies,
 * so members can be compared on the membership they reached at the same index. Its snapshot
 * carries (index, chain, membership); `restore` insists that a snapshot's data covers exactly the
 * index its metadata names (the one exception is the empty bootstrap state, which any index may
 * label), so the driver can never pass off a state as of one index as another.
 */
import type { ConfChange, ConfState, Entry, SnapshotMeta } from '../../src/raft/types.js';
import { EntryType } from '../../src/raft/types.js';
import { decodeConfChange, nextConfState } from './core.js';
import { SimInvariantError, SimStateMachine } from './sim-state-machine.js';

/** The hash-chain machine plus the membership it derived. */
export class DriverMachine extends SimStateMachine {
  conf: ConfState = { voters: [], learners: [] };

  /** Applies `entry`; returns the configuration change it carried, if any. */
  applyEntry(entry: Entry): ConfChange | undefined {
    this.apply(entry);
    if (entry.type !== EntryType.ConfChange) return undefined;
    const cc = decodeConfChange(entry.data);
    this.conf = nextConfState(this.conf, cc);
    return cc;
  }

  /** (index, chain) then the membership as JSON. */
  override snapshot(): Uint8Array {
    const head = super.snapshot();
    const conf = Buffer.from(JSON.stringify(this.conf), 'utf8');
    const out = new Uint8Array(head.length + conf.length);
    out.set(head, 0);
    out.set(conf, head.length);
    return out;
  }

  /** Replaces the state with a snapshot's; throws if `meta` names another index than the data. */
  restoreSnapshot(data: Uint8Array, meta: SnapshotMeta | undefined): void {
    super.restore(data.subarray(0, 16));
    this.conf =
      data.length > 16
        ? (JSON.parse(Buffer.from(data.subarray(16)).toString('utf8')) as ConfState)
        : { voters: [], learners: [] };
    if (meta === undefined) return;
    if (this.appliedIndex === 0 && this.chain === 0) {
      // The bootstrap snapshot: an empty state labelled with the index the log starts after.
      this.appliedIndex = meta.index;
      this.conf = { voters: meta.confState.voters.slice(), learners: meta.confState.learners.slice() };
      return;
    }
    if (this.appliedIndex !== meta.index) {
      throw new SimInvariantError(
        `snapshot data covers index ${this.appliedIndex} but its metadata says ${meta.index}`,
      );
    }
  }
}
