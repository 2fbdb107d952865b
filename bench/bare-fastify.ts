/**
 * The baseline for `npm run bench`: a bare fastify server doing the same JSON work as a KV v2
 * read/write (parse the body, keep versions in memory, answer with Vault's envelope) and nothing
 * else — no auth, no ACL, no encryption, no disk. Started as a child process; prints its port.
 */
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';

interface Version {
  data: unknown;
  created: string;
}

const store = new Map<string, Version[]>();

/** Vault's response envelope around `data` (the same JSON shape Arca renders). */
function envelope(data: unknown): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
  };
}

/** KV v2 version metadata for version number `version`. */
function metadata(created: string, version: number): Record<string, unknown> {
  return { created_time: created, custom_metadata: null, deletion_time: '', destroyed: false, version };
}
const app = Fastify({ logger: false });

app.post<{ Params: { '*': string }; Body: { data?: unknown } }>('/v1/secret/data/*', async (req) => {
  const key = req.params['*'];
  const versions = store.get(key) ?? [];
  versions.push({ data: req.body?.data ?? {}, created: new Date().toISOString() });
  store.set(key, versions);
  return envelope(metadata(versions.at(-1)!.created, versions.length));
});

app.get<{ Params: { '*': string } }>('/v1/secret/data/*', async (req, reply) => {
  const versions = store.get(req.params['*']);
  if (!versions) return reply.code(404).send({ errors: [] });
  const latest = versions.at(-1)!;
  return envelope({ data: latest.data, metadata: metadata(latest.created, versions.length) });
});

const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ address })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
