/**
 * The servers `bench:single` compares, each its own process on 127.0.0.1 with its own temporary
 * directory: an Arca node (`server -dev`: LevelDB in a temp dir, unsealed, root token, KV v2 at
 * `secret/`; optionally with a file audit device), bare fastify doing the same JSON work
 * (bench/bare-fastify.ts), and a single-member etcd 3.4 (its v3 JSON gateway).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, spawnTracked, stopProcess, waitForLine } from './processes.js';
import type { ServerName } from './options.js';

/** How long a server may take to become ready (a loaded 2-core box needed over 60 s for Arca). */
export const startBoundMs = 180_000;

/** A started server under test. */
export interface Target {
  name: ServerName;
  /** Which request shapes it speaks (kv.lua's first argument). */
  api: 'vault' | 'etcd';
  pid: number;
  url: string;
  /** X-Vault-Token, or "-" for none. */
  token: string;
  dir: string;
  stop(): Promise<void>;
}

/** How to start an Arca node. */
export interface ArcaSpec {
  name: ServerName;
  /** The CLI entry point (this build's dist/src/cli/main.js, or another build's for `--compare`). */
  mainJs: string;
  baseDir: string;
  nodeArgs: string[];
  audit: boolean;
  cpuProfDir?: string;
  /** Compiled probe module and the file it appends samples to. */
  probe?: { moduleJs: string; outFile: string };
  /** Where to listen (default port 0: the node reports the port it bound). */
  port?: number;
}

/** The `node` argv that starts an Arca dev node for `spec`. */
export function arcaArgv(spec: ArcaSpec): string[] {
  const args = [...spec.nodeArgs];
  if (spec.cpuProfDir !== undefined) {
    const profDir = join(spec.cpuProfDir, spec.name);
    mkdirSync(profDir, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${profDir}`);
  }
  if (spec.probe) args.push('--import', pathToFileURL(spec.probe.moduleJs).href);
  args.push(
    spec.mainJs,
    'server',
    '-dev',
    `-dev-listen-address=127.0.0.1:${spec.port ?? 0}`,
    '-log-level=error',
  );
  return args;
}

/** The environment of an Arca node: its own HOME (dev mode writes ~/.vault-token) and TMPDIR. */
export function arcaEnv(spec: ArcaSpec, dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, TMPDIR: dir };
  if (spec.probe) env['ARCA_PROBE_OUT'] = spec.probe.outFile;
  return env;
}

/** Starts an Arca dev node; with `audit`, enables a file audit device before returning. */
export async function startArca(spec: ArcaSpec): Promise<Target> {
  const dir = mkdtempSync(join(spec.baseDir, `${spec.name}-`));
  const child = spawnTracked(process.execPath, arcaArgv(spec), { env: arcaEnv(spec, dir) });
  let port: number | undefined;
  const token = await waitForLine(
    child,
    (line) => {
      const addr = /VAULT_ADDR='http:\/\/127\.0\.0\.1:(\d+)'/.exec(line);
      if (addr) port = Number(addr[1]);
      return /^Root Token: (\S+)/.exec(line)?.[1];
    },
    startBoundMs,
    `Arca node ${spec.name}`,
  );
  if (port === undefined) throw new Error(`Arca node ${spec.name} printed no address`);
  const target: Target = {
    name: spec.name,
    api: 'vault',
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    token,
    dir,
    stop: () => stopProcess(child, spec.cpuProfDir !== undefined ? 30_000 : 10_000),
  };
  if (spec.audit) {
    const res = await fetch(`${target.url}/v1/sys/audit/file`, {
      method: 'PUT',
      headers: { 'x-vault-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'file', options: { file_path: join(dir, 'audit.log') } }),
    });
    if (!res.ok) throw new Error(`enabling the file audit device answered ${res.status}`);
  }
  return target;
}

/**
 * Starts bench/bare-fastify.ts (compiled: `bareJs`) as `fastify`, or one of the floor servers
 * (bench/floor-writes.ts, bench/floor-fastify.ts; the read floor prints the token it requires
 * next to its address).
 */
export async function startBareFastify(
  bareJs: string,
  baseDir: string,
  name: 'fastify' | 'floor-writes' | 'floor-reads' = 'fastify',
): Promise<Target> {
  const dir = mkdtempSync(join(baseDir, `${name}-`));
  // TMPDIR: the write floor keeps its LevelDB under it (inside the bench's directory).
  const child = spawnTracked(process.execPath, [bareJs], { env: { ...process.env, TMPDIR: dir } });
  const line = await waitForLine(
    child,
    (text) => (/"address":"http:\/\/127\.0\.0\.1:\d+"/.test(text) ? text : undefined),
    30_000,
    name === 'fastify' ? 'bare fastify' : name,
  );
  const printed = JSON.parse(line) as { address: string; token?: string };
  return {
    name,
    api: 'vault',
    pid: child.pid!,
    url: printed.address,
    token: printed.token ?? '-',
    dir,
    stop: () => stopProcess(child),
  };
}

/** Starts a single-member etcd (Debian etcd-server 3.4) on free ports; resolves when healthy. */
export async function startEtcd(baseDir: string): Promise<Target> {
  const dir = mkdtempSync(join(baseDir, 'etcd-'));
  const client = await freePort();
  const peer = await freePort();
  const child = spawnTracked(
    'etcd',
    [
      '--name=bench',
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=http://127.0.0.1:${client}`,
      `--advertise-client-urls=http://127.0.0.1:${client}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=bench=http://127.0.0.1:${peer}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      '--log-level=error',
    ],
    {},
  );
  const url = `http://127.0.0.1:${client}`;
  const target: Target = {
    name: 'etcd',
    api: 'etcd',
    pid: child.pid!,
    url,
    token: '-',
    dir,
    stop: () => stopProcess(child),
  };
  const deadline = Date.now() + startBoundMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok && ((await res.json()) as { health?: string }).health === 'true') return target;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await target.stop();
      throw new Error(`etcd not healthy after ${startBoundMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
