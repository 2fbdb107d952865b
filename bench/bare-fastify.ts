/**
 * The baseline for `npm run bench` and `npm run bench:single`: a bare fastify server doing the same
 * JSON work as an Arca KV v2 read/write and nothing else — no auth, no ACL, no encryption, no disk.
 * A write parses the request body and serialises the secret to a JSON string (Arca encodes the
 * version record before sealing it); a read parses that string back (Arca decodes the record it
 * read); both answer with Vault's envelope in Arca's exact shape (`mount_type` included) and
 * `Cache-Control: no-store`. Versions are kept in memory. Started as a child process; prints its
 * address as one JSON line.
 */
import Fastify from 'fastify';
import { kvEnvelope as envelope, kvVersionMetadata as metadata } from './kv-envelope.js';

interface Version {
  /** The secret's `data`, as the JSON text a storage record would hold. */
  json: string;
  created: string;
}

/** Per key: the newest versions (at most `versionsMax`, KV v2's default max_versions) and the count. */
interface Secret {
  versions: Version[];
  current: number;
}
const versionsMax = 10;
const store = new Map<string, Secret>();

const app = Fastify({ logger: false });
app.addHook('onSend', async (_req, reply) => {
  reply.header('cache-control', 'no-store');
});

app.post<{ Params: { '*': string }; Body: { data?: unknown } }>('/v1/secret/data/*', async (req) => {
  const key = req.params['*'];
  let secret = store.get(key);
  if (!secret) store.set(key, (secret = { versions: [], current: 0 }));
  const created = new Date().toISOString();
  secret.versions.push({ json: JSON.stringify(req.body?.data ?? {}), created });
  if (secret.versions.length > versionsMax) secret.versions.shift();
  secret.current += 1;
  return envelope(metadata(created, secret.current));
});

app.get<{ Params: { '*': string } }>('/v1/secret/data/*', async (req, reply) => {
  const secret = store.get(req.params['*']);
  if (!secret) return reply.code(404).send({ errors: [] });
  const latest = secret.versions.at(-1)!;
  return envelope({ data: JSON.parse(latest.json), metadata: metadata(latest.created, secret.current) });
});

const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ address })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
