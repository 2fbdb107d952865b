/**
 * Node-to-node transport benchmark: the Noise cluster channel against plain TCP with the same
 * framing (u32 + msgpack), the same coalescing sender and the same envelope, side by side in one run.
 * The receiver is a forked child process (so the two ends use the two cores); throughput is one
 * way: the parent sends N messages honouring backpressure (queued bytes), the child decodes them all
 * and reports. Runs alternate plain/noise; we report best and median of the runs and the ratio.
 *
 *   npm run bench:transport            (builds, then runs dist/bench/transport.js)
 *   BENCH_RUNS=5 npm run bench:transport
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type NetConnectOpts, type ServerOpts, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemRng } from '../src/lib/rng.js';
import { PeerConnection } from '../src/server/cluster/connection.js';
import { parseEnvelope, type MessageEnvelope } from '../src/server/cluster/envelope.js';
import { loadOrCreateNodeIdentity } from '../src/server/cluster/identity.js';
import { silentClusterLogger } from '../src/server/cluster/logger.js';
import { SocketMessageStream, clusterSocketHighWaterMarkBytes } from '../src/server/cluster/socket-stream.js';
import { ClusterTransport } from '../src/server/cluster/transport.js';
import { limits } from '../src/lib/limits.js';
import { encodeBody } from '../src/server/cluster/framing.js';

const smallCount = Number(process.env.BENCH_SMALL_COUNT ?? 200_000);
const largeCount = Number(process.env.BENCH_LARGE_COUNT ?? 200);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const watchdogMs = 120_000;
/** The producer keeps at most this much queued before yielding (well under the queue bound). */
const producerQueuedBytesMax = 4 * 1024 * 1024;

type Kind = 'small' | 'large';
type Control =
  | { type: 'ready'; peerId: string; noisePort: number; plainPort: number }
  | { type: 'expect'; kind: Kind; count: number }
  | { type: 'armed' }
  | { type: 'done'; received: number; cpuMicros: number };

/** A 200-byte AppendEntries-like message (encoded size checked at start). */
function smallMessage(seq: number): unknown {
  return {
    type: 'app',
    term: 12,
    from: 1,
    to: 2,
    logTerm: 12,
    index: 1_000_000 + seq,
    commit: 999_000 + seq,
    entries: [{ term: 12, index: 1_000_001 + seq, data: smallPayload }],
  };
}
const smallPayload = Buffer.alloc(92, 0x61);
const largePayload = Buffer.alloc(1024 * 1024, 0x62);
function largeMessage(seq: number): unknown {
  return { seq, data: largePayload };
}

// ---------------------------------------------------------------- child: the receiving node
async function child(parentPeerId: string, dataDir: string): Promise<void> {
  const identity = await loadOrCreateNodeIdentity(dataDir);
  let expected = 0;
  let received = 0;
  let cpuStart = process.cpuUsage();
  const onBenchMessage = (): void => {
    received++;
    if (received === expected) {
      const cpu = process.cpuUsage(cpuStart);
      process.send?.({ type: 'done', received, cpuMicros: cpu.user + cpu.system } satisfies Control);
    }
  };
  const transport = await ClusterTransport.start({
    identity,
    clusterId: 'bench',
    listen: { host: '127.0.0.1', port: 0 },
    logger: silentClusterLogger,
    rng: systemRng,
    isAllowed: (peerId) => peerId === parentPeerId,
  });
  transport.onMessage('bench', onBenchMessage);
  const plainServer = createServer(
    { highWaterMark: clusterSocketHighWaterMarkBytes } as ServerOpts,
    (socket) => {
      plainConnection(socket, 'inbound', (envelope) => {
        if (envelope[1] === 'bench') onBenchMessage();
      });
    },
  );
  await new Promise<void>((resolve) => plainServer.listen(0, '127.0.0.1', resolve));
  const plainAddress = plainServer.address();
  if (plainAddress === null || typeof plainAddress === 'string') throw new Error('no plain address');
  process.on('message', (msg: Control) => {
    if (msg.type !== 'expect') return;
    expected = msg.count;
    received = 0;
    cpuStart = process.cpuUsage();
    process.send?.({ type: 'armed' } satisfies Control);
  });
  process.on('disconnect', () => {
    void transport.close();
    plainServer.close();
    setTimeout(() => process.exit(0), 200).unref();
  });
  process.send?.({
    type: 'ready',
    peerId: identity.peerId,
    noisePort: transport.address.port,
    plainPort: plainAddress.port,
  } satisfies Control);
}

/** The plain-TCP twin of a cluster connection: same framing, sender and envelope, no Noise. */
function plainConnection(
  socket: Socket,
  direction: 'inbound' | 'outbound',
  onEnvelope: (envelope: MessageEnvelope) => void,
): PeerConnection {
  const stream = new SocketMessageStream(socket, direction);
  return new PeerConnection(
    { remotePeerId: 'plain', stream, socket, direction },
    {
      frameBytesMax: limits.clusterFrameBytesMax,
      queueBytesMax: limits.clusterPeerQueueBytesMax,
      logger: silentClusterLogger,
    },
    {
      onValue: (_c, value) => {
        const envelope = parseEnvelope(value);
        if (envelope[0] === 0) onEnvelope(envelope);
      },
      onClosed: () => undefined,
    },
  );
}

// ---------------------------------------------------------------- parent: the sending node
interface Sender {
  send(message: unknown): boolean;
  queuedBytes(): number;
}

interface RunResult {
  seconds: number;
  clientCpuMicros: number;
  serverCpuMicros: number;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-bench-transport-'));
  const watchdog = setTimeout(() => {
    console.error('benchmark watchdog fired');
    process.exit(2);
  }, watchdogMs);
  const identity = await loadOrCreateNodeIdentity(join(dir));
  const childDir = await mkdtemp(join(tmpdir(), 'arca-bench-transport-child-'));
  const worker = fork(fileURLToPath(import.meta.url), ['--child', identity.peerId, childDir], {
    stdio: 'inherit',
  });
  const inbox: Control[] = [];
  let wake: (() => void) | undefined;
  worker.on('message', (msg: Control) => {
    inbox.push(msg);
    wake?.();
  });
  const next = async <T extends Control['type']>(type: T): Promise<Extract<Control, { type: T }>> => {
    for (;;) {
      const index = inbox.findIndex((m) => m.type === type);
      if (index >= 0) return inbox.splice(index, 1)[0] as Extract<Control, { type: T }>;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  const ready = await next('ready');

  const transport = await ClusterTransport.start({
    identity,
    clusterId: 'bench',
    listen: { host: '127.0.0.1', port: 0 },
    logger: silentClusterLogger,
    rng: systemRng,
  });
  transport.setPeers(new Map([[ready.peerId, `127.0.0.1:${ready.noisePort}`]]));
  while (!transport.isConnected(ready.peerId)) await new Promise((r) => setTimeout(r, 10));
  const noise: Sender = {
    send: (m) => transport.send(ready.peerId, 'bench', m),
    queuedBytes: () => transport.queuedBytes(ready.peerId),
  };
  const plainSocket = connect({
    host: '127.0.0.1',
    port: ready.plainPort,
    highWaterMark: clusterSocketHighWaterMarkBytes,
  } as NetConnectOpts);
  await new Promise((resolve) => plainSocket.once('connect', resolve));
  const plainConn = plainConnection(plainSocket, 'outbound', () => undefined);
  const plain: Sender = {
    send: (m) => plainConn.send([0, 'bench', m]),
    queuedBytes: () => plainConn.queuedBytes,
  };

  const runOnce = async (sender: Sender, kind: Kind, count: number): Promise<RunResult> => {
    worker.send({ type: 'expect', kind, count } satisfies Control);
    await next('armed');
    const make = kind === 'small' ? smallMessage : largeMessage;
    const cpuStart = process.cpuUsage();
    const started = process.hrtime.bigint();
    let sent = 0;
    while (sent < count) {
      while (sent < count && sender.queuedBytes() < producerQueuedBytesMax) {
        if (!sender.send(make(sent)))
          throw new Error('message dropped: the producer overran the queue bound');
        sent++;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const done = await next('done');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    return { seconds, clientCpuMicros: cpu.user + cpu.system, serverCpuMicros: done.cpuMicros };
  };

  const smallFrameBytes = encodeBody([0, 'bench', smallMessage(0)]).length + 4;
  console.log(`small message frame: ${smallFrameBytes} bytes (u32 prefix + msgpack envelope)`);
  const results: Record<string, RunResult[]> = {};
  // Warm-up (JIT, buffers), not reported.
  await runOnce(plain, 'small', 20_000);
  await runOnce(noise, 'small', 20_000);
  await runOnce(plain, 'large', 20);
  await runOnce(noise, 'large', 20);
  for (let run = 0; run < runs; run++) {
    for (const kind of ['small', 'large'] as const) {
      const count = kind === 'small' ? smallCount : largeCount;
      const order: [string, Sender][] =
        run % 2 === 0
          ? [
              ['plain', plain],
              ['noise', noise],
            ]
          : [
              ['noise', noise],
              ['plain', plain],
            ];
      for (const [name, sender] of order) {
        (results[`${name}-${kind}`] ??= []).push(await runOnce(sender, kind, count));
      }
    }
  }
  report(results);

  plainConn.close();
  await transport.close();
  worker.disconnect();
  clearTimeout(watchdog);
  await rm(dir, { recursive: true, force: true });
  await rm(childDir, { recursive: true, force: true });
}

function report(results: Record<string, RunResult[]>): void {
  const rate = (kind: Kind, r: RunResult): number =>
    kind === 'small' ? smallCount / r.seconds : (largeCount * 1) / r.seconds; // MiB/s: 1 MiB each
  const summary = (
    name: string,
    kind: Kind,
  ): { best: number; median: number; cpu: string; bottleneckCpuMicros: number } => {
    const list = results[`${name}-${kind}`] ?? [];
    const rates = list.map((r) => rate(kind, r)).sort((x, y) => x - y);
    const count = kind === 'small' ? smallCount : largeCount;
    const cpuC = median(list.map((r) => r.clientCpuMicros / count));
    const cpuS = median(list.map((r) => r.serverCpuMicros / count));
    const cpu =
      kind === 'small'
        ? `${cpuC.toFixed(2)} / ${cpuS.toFixed(2)} µs/msg`
        : `${(cpuC / 1000).toFixed(2)} / ${(cpuS / 1000).toFixed(2)} ms/MiB`;
    // The busier side bounds throughput when the machine is not shared: a load-independent ratio.
    return {
      best: rates[rates.length - 1] ?? 0,
      median: median(rates),
      cpu,
      bottleneckCpuMicros: Math.max(cpuC, cpuS),
    };
  };
  const rows: string[] = [];
  rows.push(
    '| case | plain TCP best / median | Noise best / median | ratio Noise/plain (median) | CPU client/server plain | CPU client/server Noise | ratio by CPU of the busier side |',
  );
  rows.push('|---|---|---|---|---|---|---|');
  for (const kind of ['small', 'large'] as const) {
    const p = summary('plain', kind);
    const n = summary('noise', kind);
    const unit = kind === 'small' ? 'msg/s' : 'MiB/s';
    const fmt = (v: number): string => (kind === 'small' ? `${Math.round(v / 1000)}k` : v.toFixed(0));
    const label =
      kind === 'small'
        ? `200 B messages (${smallCount}), ${unit}`
        : `1 MiB messages (${largeCount}), ${unit}`;
    rows.push(
      `| ${label} | ${fmt(p.best)} / ${fmt(p.median)} | ${fmt(n.best)} / ${fmt(n.median)} | ${((n.median / p.median) * 100).toFixed(0)} % | ${p.cpu} | ${n.cpu} | ${((p.bottleneckCpuMicros / n.bottleneckCpuMicros) * 100).toFixed(0)} % |`,
    );
  }
  console.log(rows.join('\n'));
  console.log(
    `runs: ${runs}; load average at end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} CPUs`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0
    ? 0
    : sorted.length % 2 === 1
      ? sorted[mid]
      : (sorted[mid - 1] + sorted[mid]) / 2;
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] ?? '', process.argv[4] ?? '');
} else {
  await main();
}
