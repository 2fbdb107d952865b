/**
 * `npm run bench:cluster`: KV v2 writes and reads through the HTTP API of a 3-node Raft cluster
 * (real processes on loopback) — against the active node and through a standby (forwarded; and,
 * for reads, a standby with `standby_reads = true` that serves them itself) — next to a 1-node Raft
 * cluster, at 1/16/64 connections; then the failover window: the time from
 * `kill -9` of the active node until a write through a survivor is acknowledged, over 5 kills
 * (median and max). Prints a markdown table.
 *
 * Side by side in the same interleaved run (each row group alternates the systems): a 3-member
 * etcd 3.4 cluster on loopback (Debian `etcd-server`), driven by the same HTTP/1.1 load generator
 * through etcd's JSON gateway (`/v3/kv/put`, `/v3/kv/range`, linearizable), against its leader.
 * Skipped with a note when `etcd` is not installed, or with ARCA_BENCH_ETCD=0.
 *
 * Knobs: ARCA_BENCH_DURATION_MS (per cell, default 3000), ARCA_BENCH_CONCURRENCY (default 1,16,64),
 * ARCA_BENCH_KILLS (default 5), ARCA_BENCH_OPS (default write,read), ARCA_BENCH_SYSTEMS (default
 * single,active,standby,etcd), ARCA_BENCH_ONLY=failover (skip the cells),
 * ARCA_BENCH_CPU_DETAIL=1 (CPU per request of each server process, not only their sum),
 * ARCA_BENCH_NODE_ARGS (extra node arguments of the Arca node processes, space-separated, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`: profiles are written when the nodes stop).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArcaClient } from '../src/api/client.js';
import {
  healthStatus,
  initCluster,
  startNodeProcess,
  unsealNode,
  waitForVoters,
  waitUntil,
  writeNodeConfig,
  type NodeProcess,
} from '../src/devcluster/launcher.js';
import type { NodeConfigInput } from '../src/devcluster/node-config.js';
import {
  b64,
  etcdLeader,
  etcdVersion,
  startEtcdCluster,
  stopEtcdCluster,
  type EtcdMember,
} from './lib/etcd.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { totalCpuMs } from './lib/proc-cpu.js';
import { freePort } from '../src/lib/free-port.js';

const durationMs = Number(process.env.ARCA_BENCH_DURATION_MS ?? 3000);
const concurrencies = (process.env.ARCA_BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);
const kills = Number(process.env.ARCA_BENCH_KILLS ?? 5);
const ops = (process.env.ARCA_BENCH_OPS ?? 'write,read').split(',') as ('write' | 'read')[];
const systems = new Set((process.env.ARCA_BENCH_SYSTEMS ?? 'single,active,standby,etcd').split(','));
const nodeArgs = (process.env.ARCA_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

interface Running {
  configs: NodeConfigInput[];
  nodes: Map<string, NodeProcess>;
  token: string;
  keys: string[];
}

/** The launcher functions a cluster is started with (this build's, or a baseline build's). */
type Launcher = Pick<typeof import('../src/devcluster/launcher.js'), 'startNodeProcess' | 'initCluster'>;
const thisBuild: Launcher = { startNodeProcess, initCluster };

/** Every node process started (restarted ones too), so all are stopped whatever fails. */
const started = new Set<NodeProcess>();

/** Starts a cluster of `size` nodes with `launcher`; `standbyReads(i)`: whether node i (1-based) sets `standby_reads = true`. */
async function startCluster(
  dir: string,
  size: number,
  prefix: string,
  launcher: Launcher = thisBuild,
  standbyReads: (i: number) => boolean = () => false,
): Promise<Running> {
  const configs: NodeConfigInput[] = [];
  for (let i = 1; i <= size; i++) {
    const api = await freePort();
    const clusterPort = await freePort();
    configs.push({
      nodeId: `${prefix}${i}`,
      dataPath: join(dir, `${prefix}${i}`, 'data'),
      listenAddress: `127.0.0.1:${api}`,
      apiAddr: `http://127.0.0.1:${api}`,
      clusterAddr: `http://127.0.0.1:${clusterPort}`,
      retryJoin: [],
      logLevel: 'error',
      standbyReads: standbyReads(i),
    });
  }
  const nodes = new Map<string, NodeProcess>();
  for (const config of configs) {
    const file = await writeNodeConfig(dir, config);
    const node = await launcher.startNodeProcess(config, file, { startTimeoutMs: 120_000, nodeArgs });
    nodes.set(config.nodeId, node);
    started.add(node); // stopped at the end even if a later start fails
  }
  const init = await launcher.initCluster(configs.map((c) => c.apiAddr));
  const client = new ArcaClient({ address: configs[0].apiAddr, token: init.rootToken });
  await client.sys.enableMount('secret', { type: 'kv', options: { version: '2' } });
  client.close();
  return { configs, nodes, token: init.rootToken, keys: init.unsealKeys };
}

async function activeIndex(cluster: Running): Promise<number> {
  let found = -1;
  await waitUntil('an active node', async () => {
    for (const [i, c] of cluster.configs.entries()) {
      if ((await healthStatus(c.apiAddr)) === 200) {
        found = i;
        return true;
      }
    }
    return false;
  });
  return found;
}

async function cell(apiAddr: string, token: string, op: 'write' | 'read', c: number): Promise<LoadResult> {
  const port = Number(new URL(apiAddr).port);
  const headers = { 'x-vault-token': token };
  const body = JSON.stringify({ data: { value: 'x'.repeat(64) } });
  if (op === 'read') {
    // Seed every key the reads hit (a missing key would be a 404, counted as an error).
    const client = new ArcaClient({ address: apiAddr, token });
    for (let k = 0; k < 100; k += 10)
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          client.write(`secret/data/r-${k + j}`, { data: { value: 'x' } }),
        ),
      );
    client.close();
  }
  return runLoad({
    port,
    concurrency: c,
    durationMs,
    next: (w, i) =>
      op === 'write'
        ? { method: 'POST', path: `/v1/secret/data/w-${w}-${i % 50}`, headers, body }
        : { method: 'GET', path: `/v1/secret/data/r-${(w + i) % 100}`, headers },
  });
}

/** One etcd cell: puts of a 64-byte value over 50 keys per worker, or linearizable ranges of 100 keys. */
async function etcdCell(member: EtcdMember, op: 'write' | 'read', c: number): Promise<LoadResult> {
  const value = b64('x'.repeat(64));
  if (op === 'read')
    for (let k = 0; k < 100; k++)
      await fetch(`http://127.0.0.1:${member.clientPort}/v3/kv/put`, {
        method: 'POST',
        body: JSON.stringify({ key: b64(`r-${k}`), value }),
      });
  return runLoad({
    port: member.clientPort,
    concurrency: c,
    durationMs,
    next: (w, i) =>
      op === 'write'
        ? {
            method: 'POST',
            path: '/v3/kv/put',
            body: JSON.stringify({ key: b64(`w-${w}-${i % 50}`), value }),
          }
        : { method: 'POST', path: '/v3/kv/range', body: JSON.stringify({ key: b64(`r-${(w + i) % 100}`) }) },
  });
}

/**
 * Runs one cell while measuring the CPU time of the system's server processes (`pids`: all its
 * members, since a write costs the followers too) and prints its row.
 */
async function measured(label: string, pids: number[], run: () => Promise<LoadResult>): Promise<string> {
  const before = pids.map((pid) => totalCpuMs([pid]));
  const r = await run();
  const perPid = pids.map((pid, i) => (totalCpuMs([pid]) - before[i]) / r.requests);
  const cpuPerRequest = perPid.reduce((a, b) => a + b, 0);
  // ARCA_BENCH_CPU_DETAIL=1: each process's share (which member pays for a write).
  const detail =
    process.env.ARCA_BENCH_CPU_DETAIL === '1' ? ` (${perPid.map((ms) => ms.toFixed(2)).join(' + ')})` : '';
  return `| ${label} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${cpuPerRequest.toFixed(2)}${detail} | ${r.errors} |`;
}

function pidsOf(cluster: Running): number[] {
  return [...cluster.nodes.values()].map((n) => n.pid);
}

async function failover(cluster: Running, dir: string): Promise<number[]> {
  const windows: number[] = [];
  for (let k = 0; k < kills; k++) {
    const a = await activeIndex(cluster);
    const victim = cluster.configs[a];
    await cluster.nodes.get(victim.nodeId)!.kill9();
    const killedAt = performance.now();
    const survivors = cluster.configs.filter((_, i) => i !== a);
    let n = 0;
    const attempts: string[] = [];
    await waitUntil(
      'a write after the kill',
      async () => {
        const target = survivors[n++ % survivors.length];
        const client = new ArcaClient({ address: target.apiAddr, token: cluster.token, timeoutMs: 5_000 });
        const sentMs = performance.now() - killedAt;
        const took = (outcome: string): void => {
          if (attempts.length < 40 || outcome === 'ok')
            attempts.push(
              `${target.nodeId} ${sentMs.toFixed(0)}→${(performance.now() - killedAt).toFixed(0)} ${outcome}`,
            );
        };
        try {
          await client.write(`secret/data/failover-${k}`, { data: { k } });
          took('ok');
          return true;
        } catch (err) {
          took(err instanceof Error ? err.message.replace(/\s+/g, ' ').slice(0, 90) : 'error');
          throw err;
        } finally {
          client.close();
        }
      },
      60_000,
      5,
    );
    windows.push(performance.now() - killedAt);
    // Evidence for where a window goes: each attempt's target, send → answer time (ms after the kill), outcome.
    if (process.env.ARCA_BENCH_TRACE === '1')
      process.stderr.write(`kill ${k + 1} (${victim.nodeId}): ${attempts.join(' | ')}\n`);
    const file = await writeNodeConfig(dir, victim);
    const restarted = await startNodeProcess(victim, file, { startTimeoutMs: 120_000, nodeArgs });
    cluster.nodes.set(victim.nodeId, restarted);
    started.add(restarted);
    await unsealNode(victim.apiAddr, cluster.keys);
    await waitUntil(
      'the restarted node to be a standby',
      async () => (await healthStatus(victim.apiAddr)) === 429,
    );
    const client = new ArcaClient({ address: survivors[0].apiAddr, token: cluster.token });
    await waitForVoters(client, cluster.configs.length);
    client.close();
  }
  return windows;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-bench-cluster-'));
  const all = started;
  let etcd: EtcdMember[] = [];
  try {
    const single = systems.has('single') ? await startCluster(dir, 1, 'single') : undefined;
    // node1 is initialised (active); node2 forwards every request; node3 serves reads itself.
    const three = await startCluster(dir, 3, 'node', thisBuild, (i) => i === 3);
    // ARCA_BENCH_BASELINE=<dir holding another build's dist/>: the same cells against a 3-node
    // cluster of that build, interleaved with this one (before/after a change in one run).
    const baselineDir = process.env.ARCA_BENCH_BASELINE;
    const baseline =
      baselineDir === undefined
        ? undefined
        : await startCluster(
            dir,
            3,
            'base',
            (await import(join(baselineDir, 'dist/src/devcluster/launcher.js'))) as Launcher,
          );
    const baseActive = baseline === undefined ? -1 : await activeIndex(baseline);
    const a = await activeIndex(three);
    const standby = three.configs.find((c, i) => i !== a && c.standbyReads !== true)!.apiAddr;
    const readingStandby = three.configs.find((c, i) => i !== a && c.standbyReads === true)?.apiAddr;
    const version = process.env.ARCA_BENCH_ETCD === '0' ? undefined : etcdVersion();
    if (version !== undefined && process.env.ARCA_BENCH_ONLY !== 'failover' && systems.has('etcd')) {
      const ports = [];
      for (let i = 0; i < 3; i++) ports.push({ client: await freePort(), peer: await freePort() });
      etcd = await startEtcdCluster(join(dir, 'etcd'), ports);
    }
    const etcdTarget = etcd.length > 0 ? await etcdLeader(etcd) : undefined;
    const etcdPids = etcd.map((m) => m.process.pid ?? -1);
    const lines = [
      `etcd: ${etcdTarget === undefined ? 'not run (no etcd binary, or ARCA_BENCH_ETCD=0)' : `${version ?? ''}, 3 members, driven at its leader through the v3 JSON gateway`}`,
      '',
      '| cell | req/s | p50 ms | p99 ms | server CPU ms/req | errors |',
      '|---|---|---|---|---|---|',
    ];
    for (const op of process.env.ARCA_BENCH_ONLY === 'failover' ? [] : ops) {
      for (const c of concurrencies) {
        if (single !== undefined)
          lines.push(
            await measured(`${op} c=${c}, 1-node raft`, pidsOf(single), () =>
              cell(single.configs[0].apiAddr, single.token, op, c),
            ),
          );
        if (systems.has('active'))
          lines.push(
            await measured(`${op} c=${c}, 3-node active`, pidsOf(three), () =>
              cell(three.configs[a].apiAddr, three.token, op, c),
            ),
          );
        if (baseline !== undefined)
          lines.push(
            await measured(`${op} c=${c}, 3-node active (baseline build)`, pidsOf(baseline), () =>
              cell(baseline.configs[baseActive].apiAddr, baseline.token, op, c),
            ),
          );
        if (systems.has('standby'))
          lines.push(
            await measured(`${op} c=${c}, 3-node via standby`, pidsOf(three), () =>
              cell(standby, three.token, op, c),
            ),
          );
        if (op === 'read' && readingStandby !== undefined && systems.has('standby'))
          lines.push(
            await measured(`read c=${c}, 3-node standby read (standby_reads)`, pidsOf(three), () =>
              cell(readingStandby, three.token, op, c),
            ),
          );
        if (etcdTarget !== undefined)
          lines.push(
            await measured(`${op} c=${c}, etcd 3-member (leader)`, etcdPids, () =>
              etcdCell(etcdTarget, op, c),
            ),
          );
      }
    }
    for (const n of [...(single?.nodes.values() ?? []), ...(baseline?.nodes.values() ?? [])]) await n.stop();
    await stopEtcdCluster(etcd);
    const windows = kills > 0 ? await failover(three, dir) : [];
    const sorted = [...windows].sort((x, y) => x - y);
    if (windows.length > 0)
      lines.push(
        '',
        `failover (kill -9 of the active node → first acknowledged write through a survivor), ${kills} kills: ` +
          `median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms ` +
          `(${windows.map((w) => w.toFixed(0)).join(', ')})`,
      );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await Promise.allSettled([
      ...[...all].map((n) => n.stop(nodeArgs.length > 0 ? 60_000 : 5_000)),
      stopEtcdCluster(etcd),
    ]);
    if (nodeArgs.length > 0)
      for (const n of all)
        process.stderr.write(`${n.config.nodeId}: exit ${n.child.exitCode ?? n.child.signalCode}\n`);
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
