/**
 * Multi-process cluster fixtures: nodes are real `arca server` processes (src/devcluster), on
 * loopback ports picked free by the OS, in a temp dir; every process is stopped by PID at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArcaClient } from '../../../src/api/client.js';
import {
  healthStatus,
  startNodeProcess,
  waitUntil,
  writeNodeConfig,
  type NodeProcess,
} from '../../../src/devcluster/launcher.js';
import type { NodeConfigInput } from '../../../src/devcluster/node-config.js';
export { freePort } from '../../../src/lib/free-port.js';
import { freePort } from '../../../src/lib/free-port.js';

/** A cluster under test: its directory, node configs and running processes. */
export class TestCluster {
  readonly nodes = new Map<string, NodeProcess>();
  readonly configs = new Map<string, NodeConfigInput>();
  /** Extra environment for every node process started from now on. */
  env: Record<string, string> = {};
  private constructor(readonly dir: string) {}

  static async create(): Promise<TestCluster> {
    return new TestCluster(await mkdtemp(join(tmpdir(), 'arca-cluster-test-')));
  }

  /** Defines node `id` with fresh ports (not started). */
  async define(id: string): Promise<NodeConfigInput> {
    const apiPort = await freePort();
    const clusterPort = await freePort();
    const config: NodeConfigInput = {
      nodeId: id,
      dataPath: join(this.dir, id, 'data'),
      listenAddress: `127.0.0.1:${apiPort}`,
      apiAddr: `http://127.0.0.1:${apiPort}`,
      clusterAddr: `http://127.0.0.1:${clusterPort}`,
      retryJoin: [],
    };
    this.configs.set(id, config);
    return config;
  }

  /** Starts (or restarts) node `id` as a process. */
  async start(id: string): Promise<NodeProcess> {
    const config = this.configs.get(id) ?? (await this.define(id));
    const file = await writeNodeConfig(this.dir, config);
    const node = await startNodeProcess(config, file, {
      logFile: join(this.dir, id, 'server.log'),
      // Each node runs in its own directory: a relative audit file_path is one file per node.
      cwd: join(this.dir, id),
      startTimeoutMs: 120_000,
      env: this.env,
    });
    this.nodes.set(id, node);
    return node;
  }

  api(id: string): string {
    const config = this.configs.get(id);
    if (config === undefined) throw new Error(`no node ${id}`);
    return config.apiAddr;
  }

  client(id: string, token?: string): ArcaClient {
    return new ArcaClient({ address: this.api(id), token, timeoutMs: 30_000 });
  }

  /** The id of the node answering sys/health 200 (active), waiting for one. */
  async activeNode(timeoutMs = 30_000): Promise<string> {
    let found = '';
    await waitUntil(
      'an active node',
      async () => {
        for (const id of this.nodes.keys()) {
          if (!this.isRunning(id)) continue;
          if ((await healthStatus(this.api(id))) === 200) {
            found = id;
            return true;
          }
        }
        return false;
      },
      timeoutMs,
    );
    return found;
  }

  isRunning(id: string): boolean {
    const child = this.nodes.get(id)?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Stops every process by PID, then removes the directory. */
  async destroy(): Promise<void> {
    await Promise.allSettled([...this.nodes.values()].map((n) => n.stop(5_000)));
    await rm(this.dir, { recursive: true, force: true });
  }
}
