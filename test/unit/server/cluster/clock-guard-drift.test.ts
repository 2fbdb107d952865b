/**
 * The clock-offset guard against a DRIFTING clock, deterministically: three `ClockGuard`s share
 * one simulated monotonic timeline, answer each other's `clock/sample` calls through an in-memory
 * channel (2 ms each way), and node1's wall clock starts running at `rate` at a chosen instant.
 * Regression for the nemeses gameday (seed 190): node1, the leader, drifted at x1.5; the guard
 * (median of five samples, 500 ms apart) fenced it only ~1.7 s after its offset passed the
 * 500 ms bound, and a token it checked meanwhile was seen invalid 1.9 s early (L1). The guard
 * must fence a drifting node BEFORE its offset reaches the bound, whatever the phase of the drift
 * against the sampling rounds, and must not fence a node whose clock only stepped within the bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClockGuard, clockSampleMethod } from '../../../../src/server/cluster/clock-guard.js';
import { silentClusterLogger } from '../../../../src/server/cluster/logger.js';
import type { CallHandler } from '../../../../src/server/cluster/rpc.js';

const ids = ['node1', 'node2', 'node3'];
const maxClockOffsetMs = 500;
const intervalMs = 250;
const oneWayMs = 2;

/** Three guards on one simulated timeline; `offsetOf(node, mono)` is each wall clock's offset. */
function cluster(offsetOf: (node: string, monoMs: number) => number): {
  guards: Map<string, ClockGuard>;
  run: (untilMonoMs: number, each: (monoMs: number) => void) => Promise<void>;
  /** The error of `node`'s vetted clock (what its core uses) against true time now. */
  vettedErrorMs: (node: string) => number;
} {
  let mono = 0;
  const base = Date.UTC(2026, 11, 6);
  const handlers = new Map<string, CallHandler>();
  const members = ids.map((nodeId) => ({
    info: { nodeId, apiAddr: '', clusterAddr: '', publicKey: `pk-${nodeId}` },
    voter: true,
  }));
  const guards = new Map<string, ClockGuard>();
  for (const id of ids) {
    const guard = new ClockGuard({
      selfNodeId: id,
      maxClockOffsetMs,
      sampleIntervalMs: intervalMs,
      logger: silentClusterLogger,
      clock: { monotonicMs: () => mono, wallMs: () => base + mono + offsetOf(id, mono) },
      membership: { current: () => members, peerIdOf: (nodeId) => `pk-${nodeId}` },
      transport: {
        handle: (method, handler) => {
          assert.equal(method, clockSampleMethod);
          handlers.set(`pk-${id}`, handler);
        },
        call: async (peerId, _method, payload) => {
          mono += oneWayMs;
          const answer = await handlers.get(peerId)!(`pk-${id}`, payload, new AbortController().signal);
          mono += oneWayMs;
          return answer;
        },
      },
    });
    guards.set(id, guard);
  }
  return {
    guards,
    vettedErrorMs: (node) => guards.get(node)!.vettedClock().wallMs() - (base + mono),
    run: async (untilMonoMs, each) => {
      while (mono < untilMonoMs) {
        for (const guard of guards.values()) await guard.round();
        each(mono);
        mono += intervalMs;
      }
    },
  };
}

test('a clock drifting at ±5..50 % is fenced before its offset reaches max_clock_offset, at any phase', async () => {
  // The drift nemesis's range (rate ±10–50 %) and beyond it on the slow side.
  for (const rate of [1.05, 1.2, 1.5, 0.5, 0.8]) {
    for (let phaseMs = 0; phaseMs < intervalMs; phaseMs += 25) {
      const driftStartMs = 5_000 + phaseMs;
      const offsetOf = (node: string, mono: number): number =>
        node === 'node1' && mono > driftStartMs ? (rate - 1) * (mono - driftStartMs) : 0;
      const { guards, run, vettedErrorMs } = cluster(offsetOf);
      let fencedAtOffsetMs: number | undefined;
      let othersFenced = false;
      let worstVettedMs = 0;
      await run(driftStartMs + (2 * maxClockOffsetMs) / Math.abs(rate - 1), (mono) => {
        if (guards.get('node1')!.fenced() && fencedAtOffsetMs === undefined)
          fencedAtOffsetMs = offsetOf('node1', mono);
        othersFenced ||= guards.get('node2')!.fenced() || guards.get('node3')!.fenced();
        worstVettedMs = Math.max(worstVettedMs, Math.abs(vettedErrorMs('node1')));
      });
      const where = `rate x${rate}, drift starting ${phaseMs} ms into a round`;
      assert.ok(fencedAtOffsetMs !== undefined, `never fenced (${where})`);
      assert.ok(
        Math.abs(fencedAtOffsetMs) < maxClockOffsetMs,
        `fenced only at offset ${Math.round(fencedAtOffsetMs)} ms (${where})`,
      );
      assert.equal(othersFenced, false, `a node with a good clock was fenced (${where})`);
      // The core's clock (the vetted one) stopped following the drift once it was fenced.
      assert.ok(
        worstVettedMs < maxClockOffsetMs,
        `vetted clock off by ${Math.round(worstVettedMs)} ms (${where})`,
      );
    }
  }
});

test("a step of 2 h (forward or back) never reaches the core's vetted clock; a fixed clock is adopted again", async () => {
  for (const stepMs of [7_200_000, -7_200_000, 2_000]) {
    // node1 (any role) steps at 5 s between two rounds, and is set right again at 8 s.
    const c = cluster((node, mono) => (node === 'node1' && mono > 5_000 && mono <= 8_000 ? stepMs : 0));
    let worstMs = 0;
    await c.run(8_000, () => {
      worstMs = Math.max(worstMs, Math.abs(c.vettedErrorMs('node1')));
    });
    assert.ok(c.guards.get('node1')!.fenced(), `fenced while ${stepMs} ms off`);
    assert.ok(worstMs < 50, `the vetted clock moved by ${worstMs} ms with the ${stepMs} ms step`);
    await c.run(10_000, () => undefined);
    assert.equal(c.guards.get('node1')!.fenced(), false, 'the fixed clock lifts the fence');
    assert.ok(Math.abs(c.vettedErrorMs('node1')) < 50);
  }
  // A legitimate correction the cluster agrees with is adopted: every clock steps by 300 ms.
  const all = cluster((_node, mono) => (mono > 5_000 ? 300 : 0));
  await all.run(6_000, () => undefined);
  assert.ok(Math.abs(all.vettedErrorMs('node1') - 300) < 50, `${all.vettedErrorMs('node1')}`);
});

test('a one-off step within the bound fences nobody; a step past it fences at once; strobing projects nothing', async () => {
  // node1 steps back 150 ms at 5 s (the CI gameday's clock bump), then is steady.
  const bump = cluster((node, mono) => (node === 'node1' && mono > 5_000 ? -150 : 0));
  let fenced = false;
  await bump.run(10_000, () => {
    for (const g of bump.guards.values()) fenced ||= g.fenced();
  });
  assert.equal(fenced, false, 'a 150 ms step is within the bound: no fence');
  // node1 strobes between 0 and +300 ms every round: each step is within the bound.
  const strobe = cluster((node, mono) =>
    node === 'node1' && mono > 5_000 && Math.floor(mono / intervalMs) % 2 === 0 ? 300 : 0,
  );
  fenced = false;
  await strobe.run(10_000, () => {
    for (const g of strobe.guards.values()) fenced ||= g.fenced();
  });
  assert.equal(fenced, false, 'a strobing clock within the bound projects no drift');
  // node1 steps 2 s ahead: fenced after the first round that samples it.
  const jump = cluster((node, mono) => (node === 'node1' && mono > 5_000 ? 2_000 : 0));
  let fencedAtMs: number | undefined;
  await jump.run(7_000, (mono) => {
    if (jump.guards.get('node1')!.fenced()) fencedAtMs ??= mono;
  });
  assert.ok(fencedAtMs !== undefined && fencedAtMs <= 5_000 + intervalMs + 50, `fenced at ${fencedAtMs}`);
});
