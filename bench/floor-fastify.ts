/**
 * The floor of an Arca KV v2 read for `npm run bench:single -- --servers floor`: bare fastify
 * (bench/bare-fastify.ts) plus only the parts of a read that Arca cannot drop, so the gap between
 * `fastify` and `floor` is the unavoidable cost and the gap between `floor` and `arca` is what the
 * request path could still save. Per request it does, with Arca's own code where there is some:
 * - Arca's HTTP server (list-aware-server.ts: the `LIST` rewriter, so sockets are read from JS);
 * - the token: `X-Vault-Token` HMAC-SHA256'd with a salt (`Sha256Hmac`, as the token store) and
 *   looked up in a map (Arca's token entry cache hit), 403 without it;
 * - a read: two plaintext-cache hits (KV v2 metadata and version record, stored as JSON bytes as
 *   the barrier's read cache holds them), both parsed, Vault's envelope with the version metadata
 *   (RFC 3339 time) rendered as one JSON string, `Cache-Control: no-store`, no charset;
 * - a write: the body parsed, the two records encoded (no encryption, no disk: not the floor of a
 *   write, only a way to fill the map).
 * Started as a child process; prints its address and its token as one JSON line.
 */
import { randomBytes } from 'node:crypto';
import type { RequestListener } from 'node:http';
import Fastify from 'fastify';
import { Sha256Hmac } from '../src/lib/fast-hmac.js';
import { formatRfc3339Nano } from '../src/lib/go-time.js';
import { createListAwareServer } from '../src/server/http/list-aware-server.js';
import { kvEnvelope } from './kv-envelope.js';

const token = `hvs.${randomBytes(18).toString('base64url')}`;
const hasher = new Sha256Hmac(randomBytes(32));
/** Token entries by hashed id (the token store's cache). */
const tokens = new Map([[hasher.hex(token), { policies: ['root'] }]]);
/** Plaintext records by storage key (the barrier's read cache). */
const records = new Map<string, Buffer>();

interface StoredMetadata {
  currentVersion: number;
  versions: Record<string, { createdTimeMs: number; destroyed: boolean }>;
}

const jsonType = 'application/json';
const asIs = (payload: unknown): string => payload as string;

function envelope(data: unknown): string {
  return JSON.stringify(kvEnvelope(data));
}

function versionView(createdTimeMs: number, version: number): Record<string, unknown> {
  const created = formatRfc3339Nano(createdTimeMs);
  return { created_time: created, custom_metadata: null, deletion_time: '', destroyed: false, version };
}

// `--plain-server`: Node's own HTTP server instead (measures what the LIST rewriter costs).
const plainServer = process.argv.includes('--plain-server');
const app = Fastify({
  logger: false,
  ...(plainServer ? {} : { serverFactory: (handler: RequestListener) => createListAwareServer(handler) }),
});
app.addHook('onRequest', (request, reply, done) => {
  const sent = request.headers['x-vault-token'];
  if (typeof sent !== 'string' || !tokens.has(hasher.hex(sent))) {
    void reply.code(403).header('content-type', jsonType).send('{"errors":["permission denied"]}');
    return;
  }
  done();
});

app.post<{ Params: { '*': string }; Body: { data?: unknown } }>('/v1/secret/data/*', (req, reply) => {
  const key = req.params['*'];
  const raw = records.get(`metadata/${key}`);
  const metadata = raw
    ? (JSON.parse(raw.toString('utf8')) as StoredMetadata)
    : { currentVersion: 0, versions: {} };
  const version = metadata.currentVersion + 1;
  const nowMs = Date.now();
  metadata.currentVersion = version;
  metadata.versions[String(version)] = { createdTimeMs: nowMs, destroyed: false };
  records.set(`versions/${key}/${version}`, Buffer.from(JSON.stringify(req.body?.data ?? {})));
  records.set(`metadata/${key}`, Buffer.from(JSON.stringify(metadata)));
  return reply
    .header('content-type', jsonType)
    .header('cache-control', 'no-store')
    .serializer(asIs)
    .send(envelope(versionView(nowMs, version)));
});

app.get<{ Params: { '*': string } }>('/v1/secret/data/*', (req, reply) => {
  const key = req.params['*'];
  void reply.header('content-type', jsonType).header('cache-control', 'no-store').serializer(asIs);
  const raw = records.get(`metadata/${key}`);
  if (raw === undefined) return reply.code(404).send('{"errors":[]}');
  const metadata = JSON.parse(raw.toString('utf8')) as StoredMetadata;
  const version = metadata.currentVersion;
  const data = JSON.parse(records.get(`versions/${key}/${version}`)!.toString('utf8')) as unknown;
  const view = versionView(metadata.versions[String(version)].createdTimeMs, version);
  return reply.send(envelope({ data, metadata: view }));
});

const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ address, token })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
