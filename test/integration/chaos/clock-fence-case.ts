/**
 * (Run from gameday.test.ts, after the CI gameday, never alongside it.)
 * The clock-offset guard on real processes: a 3-node cluster whose node3 reads a wall clock 2 s
 * ahead (libfaketime, max_clock_offset 500 ms). node3 reports the offset and the fence in
 * sys/health, stays a standby, and is never elected when the leader is killed —
 * twice, so that node3 is one of only two candidates each time. Once its clock is fixed, the
 * fence lifts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArcaClient } from '../../../src/api/client.js';
import type { HealthResponse } from '../../../src/api/types.js';
import { ChaosCluster } from '../../../chaos/cluster/cluster.js';
import { findFaketime } from '../../../chaos/cluster/node-process.js';
import { waitFor } from '../../../chaos/cluster/wait.js';

const skewMs = 2_000;

async function health(cluster: ChaosCluster, id: string): Promise<{ status: number; body?: HealthResponse }> {
  const client = new ArcaClient({ address: cluster.member(id).apiAddr, timeoutMs: 2_000 });
  try {
    return await client.sys.health();
  } catch {
    return { status: 0 };
  } finally {
    client.close();
  }
}

test(
  'a node whose clock is skewed past the bound is fenced: never elected, reported in sys/health',
  { timeout: 420_000 },
  async (t) => {
    if (findFaketime() === undefined) {
      t.skip('libfaketime is not installed (.ci/run installs the faketime package)');
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'arca-clock-fence-'));
    const cluster = await ChaosCluster.start({ nodes: 3, dir, proxies: false, clock: true });
    // Every status node3 reported while skewed: it must never be 200 (active).
    const node3Statuses: number[] = [];
    let watching = true;
    let passed = false;
    const watch = (async () => {
      while (watching) {
        node3Statuses.push((await health(cluster, 'node3')).status);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await cluster.member('node3').process.setClockOffset(skewMs);
      await waitFor(
        'node3 to report itself fenced',
        async () => (await health(cluster, 'node3')).body?.clock_offset_fenced === true,
        30_000,
      );
      const fenced = await health(cluster, 'node3');
      assert.equal(fenced.status, 429, 'a fenced node is a standby: standbycode, as before');
      const skew = fenced.body?.clock_skew_ms ?? 0;
      assert.ok(Math.abs(skew - skewMs) < 300, `clock_skew_ms ${skew} should be about ${skewMs}`);
      assert.equal(fenced.body?.max_clock_offset_ms, 500);
      const others = await health(cluster, 'node1');
      assert.equal(others.body?.clock_offset_fenced, false, 'the nodes with good clocks are not fenced');

      // Two forced elections in which node3 is one of the two candidates.
      let leader = 'node1';
      for (let round = 0; round < 2; round++) {
        await cluster.member(leader).process.kill9();
        const other = ['node1', 'node2'].find((id) => id !== leader)!;
        await waitFor(
          `${other} to become active after ${leader} was killed`,
          async () => (await health(cluster, other)).status === 200,
          120_000,
        ).catch(async (err: unknown) => {
          // What each survivor believes (leader, fence), for the failure report.
          const views = await Promise.all(
            [other, 'node3'].map(async (id) => {
              const client = new ArcaClient({ address: cluster.member(id).apiAddr, timeoutMs: 5_000 });
              try {
                const leaderView = await client.sys.leader().catch((e: Error) => e.message);
                return { id, health: (await health(cluster, id)).body, leader: leaderView };
              } finally {
                client.close();
              }
            }),
          );
          throw new Error(`${(err as Error).message}; ${JSON.stringify(views)}`);
        });
        await cluster.restart(leader);
        // One fault at a time: the restarted node catches up before the next leader is killed.
        // (Otherwise the fenced node3 may hold the only copy of a committed entry: nobody else
        // can be elected and node3 refuses to be — the cluster waits for its clock; docs/cluster.md.)
        const restarted = leader;
        await waitFor(
          `${restarted} to catch up with ${other}`,
          async () => {
            const [mine, theirs] = await Promise.all(
              [restarted, other].map(async (id) => {
                const client = new ArcaClient({ address: cluster.member(id).apiAddr, timeoutMs: 5_000 });
                try {
                  return (await client.sys.leader()).raft_applied_index ?? -1;
                } catch {
                  return -1;
                } finally {
                  client.close();
                }
              }),
            );
            return mine >= 0 && mine >= theirs;
          },
          120_000,
        );
        leader = other;
      }
      assert.ok(node3Statuses.length > 10, `only ${node3Statuses.length} polls of node3`);
      assert.ok(!node3Statuses.includes(200), 'node3 was active while its clock was skewed');

      // Clock fixed: the fence lifts (the guard follows a reset clock within a few samples).
      watching = false;
      await watch;
      await cluster.member('node3').process.setClockOffset(0);
      await waitFor(
        'node3 to lift its fence',
        async () => (await health(cluster, 'node3')).body?.clock_offset_fenced === false,
        30_000,
      );
      passed = true;
    } finally {
      watching = false;
      await watch;
      await cluster.stop();
      // A failed run keeps the servers' logs for the report.
      if (passed) await rm(dir, { recursive: true, force: true });
      else t.diagnostic(`server logs kept in ${dir}`);
    }
  },
);
