import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { composeClusterConfigs, nodeConfigHcl } from '../../../src/devcluster/node-config.js';
import { parseServerConfig } from '../../../src/server/config.js';

const root = process.cwd();

interface ComposeService {
  build?: unknown;
  image?: string;
  hostname?: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
}

/** No container engine runs in CI: the compose file is checked against the node config generator. */
test('docker-compose.cluster.yml runs three nodes with the generated configs, retry_join and volumes', async () => {
  const compose = parseYaml(await readFile(join(root, 'docker-compose.cluster.yml'), 'utf8')) as {
    services: Record<string, ComposeService>;
    volumes: Record<string, unknown>;
  };
  const dockerfile = await readFile(join(root, 'Dockerfile'), 'utf8');
  const expected = composeClusterConfigs();
  const services = Object.entries(compose.services);
  assert.equal(services.length, 3);
  assert.ok(
    services.some(([, s]) => s.build !== undefined),
    'one service builds the image',
  );
  const hostPorts = new Set<string>();
  for (const [i, config] of expected.entries()) {
    const name = `arca${i + 1}`;
    const service = compose.services[name];
    assert.ok(service, `service ${name}`);
    assert.equal(service.hostname, name);
    assert.equal(service.image, 'arca:local');
    assert.deepEqual(service.command, ['server', '-config=/arca/config/arca.hcl']);
    assert.match(dockerfile, /CMD \["server", "-config=\/arca\/config\/arca\.hcl"\]/);
    const configMount = `./deploy/cluster/node${i + 1}.hcl:/arca/config/arca.hcl:ro`;
    assert.ok(service.volumes?.includes(configMount), `${name} mounts its config`);
    const dataVolume = service.volumes?.find((v) => v.endsWith(':/arca/data'));
    assert.ok(dataVolume, `${name} keeps its raft data in a volume`);
    assert.ok(dataVolume.split(':')[0] in compose.volumes, `${dataVolume} is a named volume`);
    // The mounted file is exactly what the generator produces.
    const text = await readFile(join(root, `deploy/cluster/node${i + 1}.hcl`), 'utf8');
    assert.equal(text, nodeConfigHcl(config), `deploy/cluster/node${i + 1}.hcl is out of date`);
    const parsed = await parseServerConfig(text, `node${i + 1}.hcl`);
    assert.equal(parsed.storage.type, 'raft');
    if (parsed.storage.type !== 'raft') continue;
    assert.equal(parsed.storage.path, '/arca/data');
    assert.equal(parsed.storage.nodeId, `node${i + 1}`);
    // Every retry_join leader is another service of this file, on its API port.
    const others = parsed.storage.retryJoin.map((j) => new URL(j.leaderApiAddr));
    assert.equal(others.length, 2);
    for (const url of others) {
      assert.ok(url.hostname in compose.services && url.hostname !== name, url.href);
      assert.equal(url.port, '8200');
    }
    assert.equal(new URL(parsed.clusterAddr ?? '').hostname, name);
    assert.equal(parsed.listeners[0].address, '0.0.0.0:8200');
    const ports = service.ports ?? [];
    assert.equal(ports.length, 1);
    assert.ok(ports[0].endsWith(':8200'));
    hostPorts.add(ports[0]);
  }
  assert.equal(hostPorts.size, 3, 'each node is published on its own host port');
  assert.match(dockerfile, /EXPOSE 8200 8201/);
  assert.match(dockerfile, /USER node/);
});
