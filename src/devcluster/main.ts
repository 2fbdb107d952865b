/**
 * `npm run cluster [-- --nodes N --api-port P --dir D]`: starts N local nodes (real processes) on
 * loopback, API ports P..P+N-1 and cluster ports P+100.., initialises the first (5 shares,
 * threshold 3), unseals every node, joins them, prints the keys and the root token, writes
 * `D/cluster.json`, and runs until interrupted — then stops its nodes by PID.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initCluster, startNodeProcess, writeNodeConfig, type NodeProcess } from './launcher.js';
import { loopbackClusterConfigs } from './node-config.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '3' },
      'api-port': { type: 'string', default: '8200' },
      dir: { type: 'string', default: '.arca-cluster' },
    },
  });
  const nodes = Number(values.nodes);
  const apiPort = Number(values['api-port']);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new Error('--nodes must be 1..9');
  if (!Number.isInteger(apiPort) || apiPort < 1 || apiPort + 100 + nodes > 65535)
    throw new Error('--api-port must leave room for P+100+N');
  const dir = resolve(values.dir ?? '.arca-cluster');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const configs = loopbackClusterConfigs(nodes, apiPort, dir);
  const running: NodeProcess[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(running.map((n) => n.stop()));
  };
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping the cluster...\n');
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (const config of configs) {
      const file = await writeNodeConfig(dir, config);
      const node = await startNodeProcess(config, file, { logFile: join(dir, config.nodeId, 'server.log') });
      running.push(node);
      process.stdout.write(`started ${config.nodeId} (pid ${node.pid}) on ${config.apiAddr}\n`);
    }
    const cluster = await initCluster(configs.map((c) => c.apiAddr));
    const summary = {
      root_token: cluster.rootToken,
      unseal_keys: cluster.unsealKeys,
      nodes: running.map((n) => ({
        id: n.config.nodeId,
        api_addr: n.config.apiAddr,
        cluster_addr: n.config.clusterAddr,
        pid: n.pid,
        config: n.configFile,
      })),
    };
    await writeFile(join(dir, 'cluster.json'), `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
    process.stdout.write(
      [
        '',
        ...cluster.unsealKeys.map((k, i) => `Unseal Key ${i + 1}: ${k}`),
        `Root Token: ${cluster.rootToken}`,
        '',
        `Cluster of ${nodes} is up (details in ${join(dir, 'cluster.json')}).`,
        `    export VAULT_ADDR='${configs[0].apiAddr}' VAULT_TOKEN='${cluster.rootToken}'`,
        'Press Ctrl-C to stop it.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    process.stderr.write(`cluster failed: ${(err as Error).message}\n`);
    await stopAll();
    process.exit(1);
  }
}

void main();
