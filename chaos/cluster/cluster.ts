/**
 * A fresh loopback cluster owned by the harness: N `arca server` processes with Raft storage,
 * each behind a fault proxy on its cluster port (the node binds `listener.cluster_address`, and
 * advertises the proxy as `cluster_addr`, so every peer dials through the harness), initialised,
 * unsealed and joined through the HTTP API like an operator would.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArcaClient } from '../../src/api/client.js';
import { isApiError } from '../../src/api/errors.js';
import { SeededRng } from '../../src/lib/rng.js';
import { FaultProxy, LinkTable } from '../nemesis/fault-proxy.js';
import { findFaketime, NodeProcess } from './node-process.js';
import { waitFor } from './wait.js';
import { freePort } from '../../src/lib/free-port.js';

/** One member of the harness's cluster. */
export interface ClusterMember {
  id: string;
  apiAddr: string;
  process: NodeProcess;
  proxy: FaultProxy | undefined;
}

/** Options for `ChaosCluster.start`. */
export interface ClusterOptions {
  nodes: number;
  dir: string;
  /** Put fault proxies on the cluster links (needed for partitions). */
  proxies: boolean;
  /** Preload libfaketime (needed for clock faults). */
  clock: boolean;
  /** Seeds the proxies' jitter and loss draws (default 1). */
  seed?: number;
  /** `standby_reads = true` on every node (standbys serve linearizable reads themselves). */
  standbyReads?: boolean;
}

/**
 * How long a (re)started node may take to answer, become active/standby or a voter: generous,
 * because on a loaded shared box a Node process can take a minute to start. Each wait returns as
 * soon as its condition holds; only a node that never gets there uses the whole budget.
 */
export const startupBudgetMs = 240_000;

function nodeHcl(
  id: string,
  dir: string,
  apiPort: number,
  bindPort: number,
  advertisedPort: number,
  standbyReads = false,
): string {
  return [
    'storage "raft" {',
    `  path    = "${join(dir, id, 'data')}"`,
    `  node_id = "${id}"`,
    '}',
    'listener "tcp" {',
    `  address         = "127.0.0.1:${apiPort}"`,
    `  cluster_address = "127.0.0.1:${bindPort}"`,
    '  tls_disable     = true',
    '}',
    `api_addr      = "http://127.0.0.1:${apiPort}"`,
    `cluster_addr  = "http://127.0.0.1:${advertisedPort}"`,
    'log_level     = "warn"',
    'disable_mlock = true',
    ...(standbyReads ? ['standby_reads = true'] : []),
    '',
  ].join('\n');
}

/** The running cluster. */
export class ChaosCluster {
  rootToken = '';
  unsealKeys: string[] = [];

  private constructor(
    readonly members: ClusterMember[],
    /** The cluster links the proxies cut. */
    readonly links: LinkTable,
    private readonly dir: string,
  ) {}

  member(id: string): ClusterMember {
    const m = this.members.find((x) => x.id === id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  /** Starts, initialises and joins a fresh cluster. */
  static async start(options: ClusterOptions): Promise<ChaosCluster> {
    const faketime = options.clock ? findFaketime() : undefined;
    if (options.clock && faketime === undefined) {
      throw new Error('clock faults need libfaketime (apt-get install -y faketime)');
    }
    const ids = Array.from({ length: options.nodes }, (_, i) => `node${i + 1}`);
    const members: ClusterMember[] = [];
    const rng = new SeededRng(options.seed ?? 1);
    const links = new LinkTable(() => rng.nextUint32() / 2 ** 32);
    const pids = (): Map<string, number> => {
      const out = new Map<string, number>();
      for (const m of members) if (m.process.pid !== undefined) out.set(m.id, m.process.pid);
      return out;
    };
    for (const id of ids) {
      const nodeDir = join(options.dir, id);
      await mkdir(join(nodeDir, 'data'), { recursive: true, mode: 0o700 });
      const apiPort = await freePort();
      const bindPort = await freePort();
      let proxy: FaultProxy | undefined;
      let advertised = bindPort;
      if (options.proxies) {
        proxy = new FaultProxy(id, bindPort, links, pids, ids);
        advertised = await proxy.listen(0);
      }
      const configFile = join(nodeDir, 'arca.hcl');
      await writeFile(
        configFile,
        nodeHcl(id, options.dir, apiPort, bindPort, advertised, options.standbyReads),
      );
      const process = new NodeProcess(
        id,
        configFile,
        join(nodeDir, 'server.log'),
        join(nodeDir, 'clock'),
        faketime,
      );
      members.push({ id, apiAddr: `http://127.0.0.1:${apiPort}`, process, proxy });
    }
    const cluster = new ChaosCluster(members, links, options.dir);
    try {
      await Promise.all(members.map((m) => m.process.start()));
      await cluster.initialise();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** A client for `id` (root token; `timeoutMs` per request). */
  client(id: string, timeoutMs = 10_000): ArcaClient {
    return new ArcaClient({ address: this.member(id).apiAddr, token: this.rootToken, timeoutMs });
  }

  /** Submits unseal keys to `id` until it reports unsealed. */
  async unseal(id: string): Promise<void> {
    const client = this.client(id, 30_000);
    const deadline = performance.now() + startupBudgetMs;
    try {
      for (;;) {
        try {
          for (const key of this.unsealKeys) if (!(await client.sys.unseal(key)).sealed) return;
          throw new Error(`${id} still sealed`);
        } catch (err) {
          // A joining node's unseal fails with 502/503 while the cluster cannot take its join yet
          // ("a configuration change is already pending"): again, with the keys from the start.
          if (!isApiError(err) || err.status < 500 || performance.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    } finally {
      client.close();
    }
  }

  /** sys/health status of `id` (0 when it does not answer within `timeoutMs`). */
  async health(id: string, timeoutMs = 2_000): Promise<number> {
    const client = new ArcaClient({ address: this.member(id).apiAddr, timeoutMs });
    try {
      return (await client.sys.health()).status;
    } catch {
      return 0;
    } finally {
      client.close();
    }
  }

  /** Restarts a killed node and unseals it (what an operator does after a crash). */
  async restart(id: string): Promise<void> {
    const m = this.member(id);
    await m.process.start();
    await waitFor(
      `${id} to answer after restart`,
      async () => (await this.health(id)) !== 0,
      startupBudgetMs,
    );
    await this.unseal(id);
  }

  /** The node that answers sys/health as active now, if any. */
  async activeNode(): Promise<string | undefined> {
    const statuses = await Promise.all(
      this.members.map(async (m) => [m.id, await this.health(m.id)] as const),
    );
    return statuses.find(([, status]) => status === 200)?.[0];
  }

  /**
   * Runs `fn` with a root client of the current active node (never `notOn`), again on whichever
   * node is active then if it fails — leadership moves under faults — until it succeeds or
   * `startupBudgetMs` have passed (then its last error is thrown).
   */
  async onActive<T>(
    what: string,
    fn: (client: ArcaClient, id: string) => Promise<T>,
    notOn?: string,
  ): Promise<T> {
    const deadline = performance.now() + startupBudgetMs;
    let lastError: unknown = new Error(`no active node for ${what}`);
    while (performance.now() < deadline) {
      const active = await this.activeNode();
      if (active !== undefined && active !== notOn) {
        const client = this.client(active, 30_000);
        try {
          return await fn(client, active);
        } catch (err) {
          lastError = err;
        } finally {
          client.close();
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${what} did not succeed within ${startupBudgetMs} ms: ${String(lastError)}`);
  }

  /**
   * Membership churn: the active node removes voter `id` from the Raft configuration
   * (sys/storage/raft/remove-peer); the removed node is stopped, its data wiped (a removed member
   * cannot come back with its old log), restarted, joined through the active node and unsealed
   * like a new node, and the call resolves once every node is a voter again (autopilot promotes
   * it). Every step follows leadership if it moves meanwhile.
   */
  async removeAndRejoin(id: string): Promise<void> {
    const configured = async (client: ArcaClient): Promise<{ node_id: string; voter: boolean }[]> =>
      (await client.raft.configuration()).config.servers;
    await this.onActive(`remove-peer ${id}`, (c) => c.raft.removePeer(id), id);
    await this.onActive(
      `${id} removed from the configuration`,
      async (c) => {
        if ((await configured(c)).some((s) => s.node_id === id)) throw new Error(`${id} still configured`);
      },
      id,
    );
    const m = this.member(id);
    await m.process.stop();
    await rm(join(this.dir, id, 'data'), { recursive: true, force: true });
    await mkdir(join(this.dir, id, 'data'), { recursive: true, mode: 0o700 });
    await m.process.start();
    await this.onActive(
      `${id} to join`,
      async (_c, active) => {
        const joiner = new ArcaClient({ address: m.apiAddr, timeoutMs: 60_000 });
        try {
          await joiner.raft.join({ leader_api_addr: this.member(active).apiAddr });
        } finally {
          joiner.close();
        }
      },
      id,
    );
    await this.unseal(id);
    await this.onActive(`${id} a voter again`, async (c) => {
      const voters = (await configured(c)).filter((s) => s.voter).length;
      if (voters !== this.members.length) throw new Error(`${voters} voters`);
    });
  }

  /** Stops every process and proxy (SIGCONT first for paused ones). */
  async stop(): Promise<void> {
    this.links.healAll();
    await Promise.allSettled(this.members.map((m) => m.process.stop()));
    await Promise.allSettled(this.members.map((m) => m.proxy?.close() ?? Promise.resolve()));
  }

  private async initialise(): Promise<void> {
    const [first, ...rest] = this.members;
    const client = new ArcaClient({ address: first.apiAddr, timeoutMs: 60_000 });
    try {
      const init = await client.sys.init({ secret_shares: 3, secret_threshold: 2 });
      this.rootToken = init.root_token;
      this.unsealKeys = init.keys_base64;
      await this.unseal(first.id);
      await waitFor(`${first.id} active`, async () => (await this.health(first.id)) === 200, startupBudgetMs);
      client.token = this.rootToken;
      for (const m of rest) {
        const joiner = new ArcaClient({ address: m.apiAddr, timeoutMs: 60_000 });
        try {
          await joiner.raft.join({ leader_api_addr: first.apiAddr });
        } finally {
          joiner.close();
        }
        await this.unseal(m.id);
        await waitFor(`${m.id} standby`, async () => (await this.health(m.id)) === 429, startupBudgetMs);
      }
      await waitFor(
        `${this.members.length} voters`,
        async () =>
          (await client.raft.configuration()).config.servers.filter((s) => s.voter).length ===
          this.members.length,
        startupBudgetMs,
      );
    } finally {
      client.close();
    }
  }
}
