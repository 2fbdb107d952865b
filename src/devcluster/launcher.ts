/**
 * Runs cluster nodes as real `arca server` processes (the compiled CLI) and drives the operator
 * steps through the HTTP API (src/api): init, unseal, join. Used by `npm run cluster` and by the
 * multi-process tests. Every wait is bounded and event-driven (a process's "started" line, an API
 * answer); every process is stopped by its PID.
 */
import { pollUntil } from '../lib/poll.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ArcaClient } from '../api/client.js';
import { nodeConfigHcl, type NodeConfigInput } from './node-config.js';

/** The compiled CLI entry point. */
const cliMain = resolve(dirname(fileURLToPath(import.meta.url)), '../cli/main.js');

/** A running node process. */
export interface NodeProcess {
  config: NodeConfigInput;
  configFile: string;
  child: ChildProcess;
  pid: number;
  /** Every output line so far (for failure messages). */
  output: string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL (a crash); resolves when the process is gone. */
  kill9(): Promise<void>;
  exited: Promise<void>;
}

/** Writes `<dir>/<nodeId>/arca.hcl` and returns its path. */
export async function writeNodeConfig(dir: string, config: NodeConfigInput): Promise<string> {
  const nodeDir = join(dir, config.nodeId);
  await mkdir(nodeDir, { recursive: true, mode: 0o700 });
  const file = join(nodeDir, 'arca.hcl');
  await writeFile(file, nodeConfigHcl(config));
  return file;
}

/**
 * Starts `arca server -config=<file>`; resolves once it announces its listener (bounded by
 * `startTimeoutMs`). Output goes to `logFile` when given; `cwd` is the process's working directory
 * (relative paths in replicated settings, e.g. an audit file, then resolve per node); `nodeArgs` go
 * to node before the script (e.g. `--cpu-prof` for a benchmark profile).
 */
export function startNodeProcess(
  config: NodeConfigInput,
  configFile: string,
  options: {
    logFile?: string;
    startTimeoutMs?: number;
    env?: Record<string, string>;
    cwd?: string;
    nodeArgs?: string[];
  } = {},
): Promise<NodeProcess> {
  const args = [...(options.nodeArgs ?? []), cliMain, 'server', `-config=${configFile}`];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: { ...process.env, NODE_TEST_CONTEXT: undefined, ...options.env },
  });
  const output: string[] = [];
  const log = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
  const exited = new Promise<void>((resolveExit) =>
    child.once('exit', () => {
      log?.end();
      resolveExit();
    }),
  );
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const stopWith = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (gone()) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${config.nodeId} did not start in ${timeoutMs} ms:\n${output.join('\n')}`));
    }, timeoutMs);
    const onLine = (line: string): void => {
      if (output.length < 5_000) output.push(line);
      log?.write(`${line}\n`);
      if (/Arca server started on /.test(line)) {
        clearTimeout(timer);
        resolveStart({
          config,
          configFile,
          child,
          pid: child.pid ?? -1,
          output,
          exited,
          stop: (graceMs = 10_000) => stopWith('SIGTERM', graceMs),
          kill9: () => stopWith('SIGKILL', 0),
        });
      }
    };
    createInterface({ input: child.stderr }).on('line', onLine);
    createInterface({ input: child.stdout }).on('line', onLine);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${config.nodeId} exited (${code ?? signal}) before starting:\n${output.join('\n')}`));
    });
  });
}

/** Polls an API condition (see lib/poll.ts); kept under this name for the launcher's callers. */
export const waitUntil = pollUntil;

/** Submits `keys` to a node until it reports unsealed (or the keys run out). */
export async function unsealNode(apiAddr: string, keys: readonly string[]): Promise<void> {
  const client = new ArcaClient({ address: apiAddr, timeoutMs: 60_000 });
  try {
    for (const key of keys) {
      const status = await client.sys.unseal(key);
      if (!status.sealed) return;
    }
    throw new Error(`${apiAddr} is still sealed after ${keys.length} keys`);
  } finally {
    client.close();
  }
}

/** True when `apiAddr` answers `sys/health` as the active node (200). */
export async function isActive(apiAddr: string): Promise<boolean> {
  const client = new ArcaClient({ address: apiAddr, timeoutMs: 2_000 });
  try {
    return (await client.sys.health()).status === 200;
  } finally {
    client.close();
  }
}

/** The node's `sys/health` status code (0 when it does not answer). */
export async function healthStatus(apiAddr: string): Promise<number> {
  const client = new ArcaClient({ address: apiAddr, timeoutMs: 2_000 });
  try {
    return (await client.sys.health()).status;
  } catch {
    return 0;
  } finally {
    client.close();
  }
}

/** Result of `initCluster`. */
export interface InitializedCluster {
  rootToken: string;
  unsealKeys: string[];
}

/**
 * Operator steps on fresh nodes: init the first (5 shares, threshold 3 by default), unseal it,
 * wait until it is active; then for every other node: `sys/storage/raft/join` to the first,
 * unseal with the same keys, and wait until the active node lists it as a voter.
 */
export async function initCluster(
  apiAddrs: readonly string[],
  options: { shares?: number; threshold?: number; timeoutMs?: number } = {},
): Promise<InitializedCluster> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const first = new ArcaClient({ address: apiAddrs[0], timeoutMs: 60_000 });
  try {
    const init = await first.sys.init({
      secret_shares: options.shares ?? 5,
      secret_threshold: options.threshold ?? 3,
    });
    const keys = init.keys_base64;
    await unsealNode(apiAddrs[0], keys);
    await waitUntil(`${apiAddrs[0]} to become active`, () => isActive(apiAddrs[0]), timeoutMs);
    first.token = init.root_token;
    for (const [i, addr] of apiAddrs.slice(1).entries()) {
      await joinNode(addr, apiAddrs[0], keys, timeoutMs);
      await waitForVoters(first, i + 2, timeoutMs);
    }
    return { rootToken: init.root_token, unsealKeys: keys };
  } finally {
    first.close();
  }
}

/** Joins the node at `apiAddr` to the cluster at `leaderApiAddr` and unseals it with `keys`. */
export async function joinNode(
  apiAddr: string,
  leaderApiAddr: string,
  keys: readonly string[],
  timeoutMs = 60_000,
): Promise<void> {
  const client = new ArcaClient({ address: apiAddr, timeoutMs: 60_000 });
  try {
    await client.raft.join({ leader_api_addr: leaderApiAddr });
    await unsealNode(apiAddr, keys);
    await waitUntil(
      `${apiAddr} to be an unsealed standby`,
      async () => (await healthStatus(apiAddr)) === 429,
      timeoutMs,
    );
  } finally {
    client.close();
  }
}

/** Waits until the active node (reached through `client`) counts `voters` voters. */
export async function waitForVoters(client: ArcaClient, voters: number, timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    `${voters} raft voters`,
    async () => (await client.raft.configuration()).config.servers.filter((s) => s.voter).length >= voters,
    timeoutMs,
    100,
  );
}
