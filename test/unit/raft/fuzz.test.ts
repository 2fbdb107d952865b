/**
 * A small randomized check of the core's safety properties (Raft §5.4, Figure 3) under message
 * loss, duplication, reordering, partitions, restarts and compaction. The full simulator lives in
 * test/sim; this bounded version keeps the core honest on every `npm test`. A failure prints its seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../../src/lib/rng.js';
import { Cluster, bytes } from '../../raft/harness.js';
import type { RaftMutations } from '../../../src/raft/mutations.js';
import { EntryType, type ConfChange } from '../../../src/raft/types.js';

interface Violation {
  seed: number;
  step: number;
  what: string;
}

export function runSeed(seed: number, steps: number, mutations?: RaftMutations): Violation | undefined {
  const rng = new SeededRng(seed);
  const c = Cluster.ofSize(3 + rng.intBelow(3), {
    preVote: rng.intBelow(2) === 0,
    checkQuorum: rng.intBelow(2) === 0,
    maxInflightMsgs: 1 + rng.intBelow(4),
    snapshotChunkBytes: 1 + rng.intBelow(16),
    ...(mutations ? { mutations } : {}),
  });
  const voters = [...c.nodes.keys()];
  // A spare node that starts outside the cluster and may be added, promoted and removed.
  c.addNode('x', voters, []);
  const ids = [...c.nodes.keys()];
  const pick = <T>(xs: T[]): T => xs[rng.intBelow(xs.length)];
  const leaderOfTerm = new Map<number, string>();
  const committed = new Map<number, string>(); // index → "term:data" of every applied entry
  const lastCommit = new Map<string, number>();
  let proposals = 0;
  let reads = 0;
  const readFloor = new Map<string, number>();
  for (let step = 0; step < steps; step++) {
    const r = rng.intBelow(1000);
    try {
      if (r < 150) c.tick(pick(ids));
      else if (r < 300) c.processReady(pick(ids));
      else if (r < 350)
        c.beginReady(pick(ids)); // async driver: steps continue before advance
      else if (r < 400) c.finishReady(pick(ids));
      else if (r < 750 && c.queue.length > 0) c.deliverAt(rng.intBelow(c.queue.length));
      else if (r < 780 && c.queue.length > 0)
        c.queue.push(pick(c.queue)); // duplicate
      else if (r < 820 && c.queue.length > 0)
        c.queue.splice(rng.intBelow(c.queue.length), 1); // drop
      else if (r < 920) {
        const lead = c.leader();
        if (lead) {
          try {
            c.node(lead).raw.propose(bytes(`v${proposals++}`));
          } catch {
            /* transfer in progress or bound hit */
          }
        }
      } else if (r < 940) {
        const a = pick(ids);
        c.partition([[a], ids.filter((x) => x !== a)]);
      } else if (r < 960) c.heal();
      else if (r < 975) {
        // Crash: sometimes right after sending Ready.messages but before persisting (allowed).
        const id = pick(ids);
        const raw = c.node(id).raw;
        if (rng.intBelow(2) === 0 && !c.node(id).pending && raw.hasReady())
          c.queue.push(...raw.ready().messages);
        c.restart(id);
        lastCommit.set(id, 0); // an unpersisted commit index may be forgotten in a crash
      } else if (r < 989) {
        const n = c.node(pick(ids));
        if (n.appliedIndex > n.storage.firstIndex()) {
          n.storage.createSnapshot(n.appliedIndex, n.confState, bytes(`snap@${n.appliedIndex}`));
          n.storage.compact(n.appliedIndex);
        }
      } else if (r < 991) {
        // Transport feedback: unreachable peers and snapshot stream outcomes.
        const lead = c.leader();
        if (lead) {
          const raw = c.node(lead).raw;
          if (rng.intBelow(2) === 0) raw.reportUnreachable(pick(ids));
          else raw.reportSnapshot(pick(ids), rng.intBelow(2) === 0);
        }
      } else if (r < 993) {
        const lead = c.leader();
        if (lead) c.node(lead).raw.transferLeadership(pick(ids));
      } else if (r < 997) {
        // A linearizable read must see every entry committed before it was issued.
        const ctx = `read${reads++}`;
        readFloor.set(ctx, Math.max(...ids.map((id) => c.node(id).raw.raft.log.committed)));
        c.node(pick(ids)).raw.readIndex(bytes(ctx));
      } else {
        const lead = c.leader();
        if (lead) {
          const conf = c.node(lead).raw.status().confState;
          const removable = conf.voters.filter((v) => v !== lead);
          const options: ConfChange[] = [
            { type: 'addLearner', nodeId: 'x' },
            { type: 'addVoter', nodeId: 'x' },
            { type: 'removeNode', nodeId: 'x' },
            ...(conf.voters.length > 3 ? [{ type: 'removeNode' as const, nodeId: pick(removable) }] : []),
            ...ids
              .filter((id) => !conf.voters.includes(id))
              .map((id) => ({ type: 'addVoter' as const, nodeId: id })),
          ];
          try {
            c.node(lead).raw.proposeConfChange(pick(options));
          } catch {
            /* pending change, not caught up, or not yet committed in term */
          }
        }
      }
    } catch (e) {
      return { seed, step, what: `threw: ${(e as Error).stack ?? String(e)}` };
    }
    for (const n of c.nodes.values()) {
      for (const rs of n.readStates) {
        const ctx = new TextDecoder().decode(rs.requestCtx);
        const floor = readFloor.get(ctx) ?? 0;
        if (rs.index < floor)
          return { seed, step, what: `read ${ctx} at ${n.id} got index ${rs.index} < committed ${floor}` };
      }
      n.readStates = [];
      const raft = n.raw.raft;
      if (raft.role === 'leader') {
        const other = leaderOfTerm.get(raft.term);
        if (other !== undefined && other !== n.id) {
          return { seed, step, what: `two leaders in term ${raft.term}: ${other} and ${n.id}` };
        }
        leaderOfTerm.set(raft.term, n.id);
      }
      for (const e of n.applied) {
        const key = `${e.term}:${new TextDecoder().decode(e.data)}`;
        const seen = committed.get(e.index);
        if (seen !== undefined && seen !== key) {
          return { seed, step, what: `index ${e.index} applied as ${seen} and ${key} (node ${n.id})` };
        }
        committed.set(e.index, key);
      }
      if (n.id === c.leader())
        stats.confChanges += n.applied.filter((e) => e.type === EntryType.ConfChange).length;
      n.applied = n.applied.slice(-8);
      const prev = lastCommit.get(n.id) ?? 0;
      if (raft.log.committed < prev) return { seed, step, what: `commit went back on ${n.id}` };
      lastCommit.set(n.id, raft.log.committed);
      // A committed entry must still be in the log with its committed term.
      const t = raft.log.term(raft.log.committed);
      const known = committed.get(raft.log.committed);
      if (t !== undefined && known !== undefined && Number(known.split(':')[0]) !== t) {
        return {
          seed,
          step,
          what: `node ${n.id} holds term ${t} at committed index ${raft.log.committed}, applied elsewhere as ${known}`,
        };
      }
    }
  }
  // Liveness after heal: the cluster converges.
  c.heal();
  if (process.env.RAFT_FUZZ_DEBUG) {
    c.quiet = false;
    c.log = [];
  }
  try {
    // Without pre-vote a node with a stale log can keep winning the timer race and resetting the
    // others' timers with its higher term (as in etcd), so allow many election timeouts.
    let settle = 30;
    for (let i = 0; i < 300 && settle > 0; i++) {
      for (const id of ids) c.tick(id);
      c.stabilize();
      if (i >= 30 && c.leader()) settle--;
      if (process.env.RAFT_FUZZ_DEBUG) c.log.push(`--- round ${i}`);
    }
  } catch (e) {
    return { seed, step: steps, what: `after heal: ${(e as Error).message}` };
  }
  const lead = c.leader();
  if (!lead) {
    const states = ids.map((id) => {
      const st = c.node(id).raw.status();
      const raft = c.node(id).raw.raft;
      return `${id}:${st.role} t${st.term} v${st.vote || '-'} c${st.commit} a${st.applied} last${raft.log.lastIndex()}/${raft.log.lastTerm()} voters=${st.confState.voters.join(',')} learners=${st.confState.learners.join(',')}`;
    });
    if (process.env.RAFT_FUZZ_DEBUG) {
      console.log(c.log.join('\n'));
      c.log = [];
      for (let i = 0; i < 12; i++) {
        for (const id of ids) c.tick(id);
        c.stabilize();
      }
      console.log(c.log.join('\n'));
      for (const id of ids) {
        const raft = c.node(id).raw.raft;
        console.log(
          id,
          'promotable',
          raft.promotable(),
          'snap',
          raft.log.unstable.snapshot?.meta.index,
          'elapsed',
          raft.electionElapsed,
          raft.randomizedElectionTimeout,
          'lead',
          raft.lead,
          'role',
          raft.role,
        );
      }
    }
    return { seed, step: steps, what: `no leader after heal: ${states.join(' | ')}` };
  }
  const members = c.node(lead).raw.status().confState;
  const commits = new Set(
    [...members.voters, ...members.learners].map((id) => c.node(id).raw.status().commit),
  );
  if (commits.size !== 1)
    return { seed, step: steps, what: `commit indexes differ after heal: ${[...commits].join(',')}` };
  const confs = new Set(
    [...members.voters, ...members.learners].map((id) => JSON.stringify(c.node(id).raw.status().confState)),
  );
  if (confs.size !== 1)
    return { seed, step: steps, what: `memberships differ after heal: ${[...confs].join(' ')}` };
  stats.commits += c.node(lead).raw.status().commit;
  stats.terms += c.node(lead).raw.raft.term;
  stats.snapshots += ids.filter((id) => c.node(id).storage.snapshot().meta.index > 0).length;
  return undefined;
}

/** Totals over runs (to check the schedules exercise something). */
export const stats = { commits: 0, terms: 0, snapshots: 0, confChanges: 0 };

/** RAFT_FUZZ_SEEDS=n runs more seeds (default 40, a few seconds). */
const seeds = Number(process.env.RAFT_FUZZ_SEEDS ?? 40);

test('randomized schedules keep election safety, log safety and converge after heal (§5.4)', () => {
  for (let seed = 1; seed <= seeds; seed++) {
    const v = runSeed(seed, 600);
    assert.equal(v, undefined, v ? `seed ${v.seed} step ${v.step}: ${v.what}` : '');
  }
});
