/**
 * A 3-member etcd cluster on loopback for `bench:cluster`'s side-by-side cells (Debian package
 * `etcd-server`, etcd 3.4). The load generator drives it over etcd's HTTP/JSON gateway (the v3
 * grpc-gateway: `POST /v3/kv/put`, `POST /v3/kv/range`, linearizable by default), so both systems
 * see the same HTTP/1.1 JSON client. Every member is stopped by PID.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pollUntil } from '../../src/lib/poll.js';

/** A running etcd member. */
export interface EtcdMember {
  name: string;
  clientPort: number;
  process: ChildProcess;
}

/** The etcd binary's version line, or undefined when etcd is not installed. */
export function etcdVersion(): string | undefined {
  const r = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return undefined;
  return r.stdout.split('\n')[0]?.trim();
}

/** Starts `ports.length` members (client/peer port pairs) as one new cluster; resolves when healthy. */
export async function startEtcdCluster(
  dir: string,
  ports: { client: number; peer: number }[],
): Promise<EtcdMember[]> {
  const names = ports.map((_, i) => `etcd${i + 1}`);
  const initial = ports.map((p, i) => `${names[i]}=http://127.0.0.1:${p.peer}`).join(',');
  const members = ports.map((p, i) => {
    const child = spawn(
      'etcd',
      [
        `--name=${names[i]}`,
        `--data-dir=${join(dir, names[i])}`,
        `--listen-client-urls=http://127.0.0.1:${p.client}`,
        `--advertise-client-urls=http://127.0.0.1:${p.client}`,
        `--listen-peer-urls=http://127.0.0.1:${p.peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${p.peer}`,
        `--initial-cluster=${initial}`,
        '--initial-cluster-state=new',
        '--initial-cluster-token=arca-bench',
        '--logger=zap',
        '--log-level=error',
      ],
      { stdio: 'ignore' },
    );
    return { name: names[i], clientPort: p.client, process: child };
  });
  for (const m of members)
    await pollUntil(
      `${m.name} to be healthy`,
      async () => {
        const res = await fetch(`http://127.0.0.1:${m.clientPort}/health`);
        return res.ok && ((await res.json()) as { health?: string }).health === 'true';
      },
      60_000,
      100,
    );
  return members;
}

/** The member that leads (etcd's `maintenance/status`: its own id equals the leader id). */
export async function etcdLeader(members: EtcdMember[]): Promise<EtcdMember> {
  let leader: EtcdMember | undefined;
  await pollUntil('an etcd leader', async () => {
    for (const m of members) {
      const res = await fetch(`http://127.0.0.1:${m.clientPort}/v3/maintenance/status`, {
        method: 'POST',
        body: '{}',
      });
      const body = (await res.json()) as { header?: { member_id?: string }; leader?: string };
      if (body.leader !== undefined && body.leader === body.header?.member_id) leader = m;
    }
    return leader !== undefined;
  });
  return leader!;
}

/** Stops every member (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopEtcdCluster(members: EtcdMember[], graceMs = 5_000): Promise<void> {
  await Promise.all(
    members.map(
      (m) =>
        new Promise<void>((resolve) => {
          if (m.process.exitCode !== null || m.process.signalCode !== null) return resolve();
          const timer = setTimeout(() => m.process.kill('SIGKILL'), graceMs);
          m.process.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          m.process.kill('SIGTERM');
        }),
    ),
  );
}

/** base64 of a UTF-8 string (the gateway's bytes fields). */
export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
