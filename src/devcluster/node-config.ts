/**
 * The configuration of one node of a local or containerised cluster, generated in ONE place so
 * `npm run cluster`, the process tests and docker-compose.cluster.yml run the same settings (a
 * test checks the compose files against this generator).
 */

/** What differs between the nodes of a cluster. */
export interface NodeConfigInput {
  nodeId: string;
  /** Raft data directory. */
  dataPath: string;
  /** `host:port` the HTTP listener binds. */
  listenAddress: string;
  /** Advertised API URL (`http://host:port`). */
  apiAddr: string;
  /** Noise listener URL (`http://host:port`); the listener binds its host:port. */
  clusterAddr: string;
  /** `retry_join` leaders (none for the node that is initialised). */
  retryJoin: string[];
  logLevel?: string;
  /** `standby_reads = true`: standbys serve linearizable reads themselves (docs/cluster.md). */
  standbyReads?: boolean;
}

/** The HCL text of one node's configuration. */
export function nodeConfigHcl(input: NodeConfigInput): string {
  const retry = input.retryJoin
    .map((leader) => `  retry_join {\n    leader_api_addr = "${leader}"\n  }\n`)
    .join('');
  return [
    'storage "raft" {',
    `  path    = "${input.dataPath}"`,
    `  node_id = "${input.nodeId}"`,
    `${retry}}`,
    '',
    'listener "tcp" {',
    `  address     = "${input.listenAddress}"`,
    '  tls_disable = true',
    '}',
    '',
    `api_addr     = "${input.apiAddr}"`,
    `cluster_addr = "${input.clusterAddr}"`,
    `log_level    = "${input.logLevel ?? 'warn'}"`,
    'disable_mlock = true',
    ...(input.standbyReads === true ? ['standby_reads = true'] : []),
    '',
  ].join('\n');
}

/** The node configurations of a loopback cluster: API ports P..P+N-1, cluster ports P+100+i. */
export function loopbackClusterConfigs(
  nodes: number,
  apiPort: number,
  dir: string,
  options: { retryJoin?: boolean; clusterPort?: number } = {},
): NodeConfigInput[] {
  const clusterBase = options.clusterPort ?? apiPort + 100;
  return Array.from({ length: nodes }, (_, i) => ({
    nodeId: `node${i + 1}`,
    dataPath: `${dir}/node${i + 1}/data`,
    listenAddress: `127.0.0.1:${apiPort + i}`,
    apiAddr: `http://127.0.0.1:${apiPort + i}`,
    clusterAddr: `http://127.0.0.1:${clusterBase + i}`,
    retryJoin: options.retryJoin === true && i > 0 ? [`http://127.0.0.1:${apiPort}`] : [],
  }));
}

/** The node configurations of the containerised cluster (docker-compose.cluster.yml). */
export function composeClusterConfigs(nodes = 3): NodeConfigInput[] {
  return Array.from({ length: nodes }, (_, i) => {
    const host = `arca${i + 1}`;
    return {
      nodeId: `node${i + 1}`,
      dataPath: '/arca/data',
      listenAddress: '0.0.0.0:8200',
      apiAddr: `http://${host}:8200`,
      clusterAddr: `http://${host}:8201`,
      retryJoin: Array.from({ length: nodes }, (_, j) => `http://arca${j + 1}:8200`).filter(
        (_, j) => j !== i,
      ),
    };
  });
}
