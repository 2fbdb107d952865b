/**
 * Heartbeats while a large snapshot is built and sent: three RaftStorages (real LevelDB, temp
 * dirs, in-memory transport). The leader is filled with `--mib` MiB of incompressible values, then
 * (1) a snapshot is due and is built off the driver loop, (2) a new learner joins and receives it
 * in chunks. For each phase the bench prints the largest gap between heartbeats arriving at a
 * caught-up follower (the heartbeat interval is the floor) and the snapshot size and build time.
 *
 *   npm run bench:raft-snapshot [-- --mib 64]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FakeClock } from '../src/lib/clock.js';
import { SeededRng } from '../src/lib/rng.js';
import type { Transport } from '../src/raft/ports.js';
import type { Message } from '../src/raft/types.js';
import { RaftStorage, type MemberInfo } from '../src/storage/raft/raft-storage.js';
import { MemoryHub } from '../test/sim/memory-transport.js';

const mibFlag = process.argv.indexOf('--mib');
const mib = mibFlag >= 0 ? Number(process.argv[mibFlag + 1]) : 64;
const valueBytes = 4096;
const opsPerWrite = 64;
const tickIntervalMs = 50;
const writes = Math.ceil((mib * 1024 * 1024) / (valueBytes * opsPerWrite));

/** Records the arrival time of every heartbeat delivered to one member. */
function recordingTransport(inner: Transport, arrivals: number[]): Transport {
  return {
    send: (messages) => inner.send(messages),
    setPeers: (peers) => inner.setPeers?.(peers),
    onMessage: (handler) =>
      inner.onMessage((message: Message) => {
        if (message.type === 'MsgHeartbeat') arrivals.push(performance.now());
        handler(message);
      }),
  };
}

function maxGapMs(arrivals: number[], fromMs: number, toMs: number): number {
  const inside = arrivals.filter((t) => t >= fromMs && t <= toMs);
  let gap = 0;
  for (let i = 1; i < inside.length; i++) gap = Math.max(gap, inside[i] - inside[i - 1]);
  return gap;
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-bench-snapshot-'));
  const hub = new MemoryHub();
  const arrivals: number[] = [];
  const info = (id: string): MemberInfo => ({ nodeId: id, apiAddr: id, clusterAddr: id, publicKey: id });
  const open = (id: string, bootstrap: boolean): Promise<RaftStorage> =>
    RaftStorage.open({
      dir: join(dir, id),
      self: info(id),
      transport: id === 'b' ? recordingTransport(hub.transport(id), arrivals) : hub.transport(id),
      rng: new SeededRng(id.charCodeAt(0)),
      clock: new FakeClock(),
      bootstrap,
      tickIntervalMs,
      electionTimeoutTicks: 20,
      heartbeatIntervalTicks: 1,
      snapshotThresholdEntries: writes + 20,
      snapshotTrailingEntries: 10,
      proposalTimeoutMs: 60_000,
    });
  const a = await open('a', true);
  const nodes = [a];
  try {
    await until(() => a.isLeader(), 10_000);
    await a.waitOwnTermApplied();
    const b = await open('b', false);
    nodes.push(b);
    await a.addLearner(info('b'));
    await until(() => b.status().appliedIndex >= a.status().appliedIndex, 30_000);
    await a.promote('b');

    const fillStarted = performance.now();
    for (let w = 0; w < writes; w++) {
      const ops = Array.from({ length: opsPerWrite }, (_, k) => ({
        type: 'put' as const,
        key: `fill/${w}/${k}`,
        value: randomBytes(valueBytes),
      }));
      await a.batch(ops);
    }
    const fillMs = performance.now() - fillStarted;
    const idleFrom = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    const idleGap = maxGapMs(arrivals, idleFrom, performance.now());

    // (1) Build: the next entries cross the threshold; the driver builds the snapshot off its loop.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const buildFrom = performance.now();
    const persistsBefore = a.status().persistCount;
    for (let i = 0; i < 30; i++) await a.put(`trigger/${i}`, new Uint8Array(8));
    await until(() => a.status().persistCount > persistsBefore + 30, 120_000);
    const buildMs = performance.now() - buildFrom;
    const buildGap = maxGapMs(arrivals, buildFrom, performance.now());
    const buildStallMs = loopDelay.max / 1e6;
    loopDelay.reset();

    // (2) Send: a new learner needs the whole snapshot (the log is compacted).
    const c = await open('c', false);
    nodes.push(c);
    const sendFrom = performance.now();
    await a.addLearner(info('c'));
    const progress = setInterval(() => {
      const st = c.status();
      if (process.env.BENCH_DEBUG)
        console.error(`learner applied ${st.appliedIndex}/${a.status().appliedIndex}`);
    }, 2000);
    try {
      await until(() => c.status().appliedIndex >= a.status().appliedIndex, 300_000);
    } finally {
      clearInterval(progress);
    }
    const sendMs = performance.now() - sendFrom;
    const sendGap = maxGapMs(arrivals, sendFrom, performance.now());
    const sendStallMs = loopDelay.max / 1e6;
    loopDelay.disable();

    let snapshotBytes = 0;
    const dumpFrom = performance.now();
    for await (const part of a.saveSnapshot()) snapshotBytes += part.length;
    const dumpMs = performance.now() - dumpFrom;

    console.log(
      `state: ${mib} MiB in ${writes} writes of ${opsPerWrite}×${valueBytes} B (fill ${fillMs.toFixed(0)} ms)`,
    );
    console.log(
      `snapshot stream: ${(snapshotBytes / 1048576).toFixed(1)} MiB, dumped in ${dumpMs.toFixed(0)} ms`,
    );
    console.log(`heartbeat interval ${tickIntervalMs} ms; largest gap at a follower:`);
    console.log(`  idle                      ${idleGap.toFixed(0)} ms`);
    console.log(
      `  snapshot built + written  ${buildGap.toFixed(0)} ms (phase ${buildMs.toFixed(0)} ms, longest event-loop block ${buildStallMs.toFixed(0)} ms)`,
    );
    console.log(
      `  snapshot sent to learner  ${sendGap.toFixed(0)} ms (phase ${sendMs.toFixed(0)} ms, longest event-loop block ${sendStallMs.toFixed(0)} ms)`,
    );
    console.log(
      `peak RSS of the process (three members, the fill's values included): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
    );
    console.log('(all members share one process and event loop here: a block on one stalls all)');
  } finally {
    for (const n of nodes) await n.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
