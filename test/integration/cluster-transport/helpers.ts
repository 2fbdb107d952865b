/**
 * Test fixtures for the cluster transport: nodes with real identities in temp dirs, real sockets on
 * 127.0.0.1 (port 0), a recording logger, and a bounded `waitFor`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRng } from '../../../src/lib/rng.js';
import { loadOrCreateNodeIdentity, type NodeIdentity } from '../../../src/server/cluster/identity.js';
import type { ClusterLogger } from '../../../src/server/cluster/logger.js';
import { ClusterTransport, type ClusterTransportOptions } from '../../../src/server/cluster/transport.js';
import { formatPeerAddress } from '../../../src/server/cluster/address.js';

/** One recorded log line. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

/** A logger that keeps every line (so tests can check reasons and that nothing secret was logged). */
export class RecordingLogger implements ClusterLogger {
  readonly entries: LogEntry[] = [];
  debug(obj: object, msg?: string): void {
    this.entries.push({ level: 'debug', obj, msg });
  }
  info(obj: object, msg?: string): void {
    this.entries.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg?: string): void {
    this.entries.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg?: string): void {
    this.entries.push({ level: 'error', obj, msg });
  }
  /** Everything logged, as one string. */
  text(): string {
    return this.entries.map((e) => `${e.level} ${e.msg ?? ''} ${JSON.stringify(e.obj)}`).join('\n');
  }
  /** Reasons of refused inbound connections, in order. */
  refusalReasons(): string[] {
    return this.entries
      .filter((e) => e.msg === 'cluster connection refused')
      .map((e) => (e.obj as { reason: string }).reason);
  }
}

/** Temp directories created by a test file; remove with `cleanup()`. */
export class TempDirs {
  private readonly dirs: string[] = [];
  async make(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'arca-cluster-'));
    this.dirs.push(dir);
    return dir;
  }
  async cleanup(): Promise<void> {
    await Promise.all(this.dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** A node under test. */
export interface TestNode {
  identity: NodeIdentity;
  transport: ClusterTransport;
  logger: RecordingLogger;
  dataDir: string;
  /** "127.0.0.1:port" */
  address: string;
}

/** Starts a node (new identity in a fresh dir unless `dataDir` is given). */
export async function startNode(
  temp: TempDirs,
  overrides: Partial<ClusterTransportOptions> & { dataDir?: string; port?: number } = {},
): Promise<TestNode> {
  const dataDir = overrides.dataDir ?? (await temp.make());
  const logger = new RecordingLogger();
  const identity = await loadOrCreateNodeIdentity(dataDir, logger);
  const transport = await ClusterTransport.start({
    identity,
    clusterId: 'test-cluster',
    listen: { host: '127.0.0.1', port: overrides.port ?? 0 },
    logger,
    rng: new SeededRng(7),
    handshakeTimeoutMs: 2_000,
    reconnectBackoff: { baseDelayMs: 20, maxDelayMs: 200 },
    ...overrides,
  });
  return { identity, transport, logger, dataDir, address: formatPeerAddress(transport.address) };
}

/** Makes every node a member of every other node's view. */
export function connectAll(...nodes: TestNode[]): void {
  const peers = new Map(nodes.map((n) => [n.identity.peerId, n.address] as const));
  for (const node of nodes) node.transport.setPeers(peers);
}

/**
 * Polls `condition` every 10 ms until true; throws after `timeoutMs` (a bound for a broken run,
 * generous so a busy machine only makes it slower, never red).
 */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Sends on `channel` from a to b and resolves with what b received (bounded). */
export async function roundTrip(a: TestNode, b: TestNode, echoMethod = 'echo'): Promise<unknown> {
  return a.transport.call(b.identity.peerId, echoMethod, { ping: 'pong' }, { timeoutMs: 3_000 });
}
