/**
 * The write FLOOR for `npm run bench:single` (server `floor`): the work a durable, encrypted KV v2
 * write cannot avoid on this stack, and nothing else — fastify parses the JSON body; the secret's
 * `data` becomes JSON text (the version record) and the key's metadata a small JSON record; each
 * is sealed with AES-256-GCM (a random 96-bit nonce per value, the storage key as AAD, a new
 * cipher object per value as node:crypto requires); both go into ONE LevelDB batch written with
 * `sync: true`, and writes that arrive while a synced batch is in flight are group-committed into
 * the next one (one fdatasync for many callers). The 2xx is sent only after the sync. No token,
 * ACL, mount routing, audit, metrics or read cache: comparing Arca with this shows what Arca's own
 * layers cost, and comparing this with etcd shows whether Node + LevelDB on the host can reach etcd
 * at all. Reads (`GET`) open the stored version (synchronous LevelDB get, AES-GCM open, JSON parse).
 * Answers in Arca's envelope (`mount_type`, `Cache-Control: no-store`). Prints its address as one
 * JSON line; stops on SIGTERM after the queued writes are synced.
 */
import Fastify from 'fastify';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { kvEnvelope as envelope, kvVersionMetadata as versionMeta } from './kv-envelope.js';

const nonceBytes = 12;
const tagBytes = 16;
const key = randomBytes(32);

/** AES-256-GCM: nonce ‖ ciphertext ‖ tag, the storage key bound as AAD (what Arca's barrier does). */
function seal(path: string, plaintext: Buffer): Buffer {
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: tagBytes });
  cipher.setAAD(Buffer.from(path, 'utf8'));
  const body = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

function open(path: string, sealed: Uint8Array): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, nonceBytes), {
    authTagLength: tagBytes,
  });
  decipher.setAAD(Buffer.from(path, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
  const plaintext = decipher.update(sealed.subarray(nonceBytes, sealed.length - tagBytes));
  decipher.final();
  return plaintext;
}

const dir = mkdtempSync(join(tmpdir(), 'arca-floor-'));
const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
await db.open();

/** Group commit: callers queued while a synced batch is in flight share the next one. */
interface Pending {
  ops: [string, Buffer][];
  done: (err?: Error) => void;
}
let queue: Pending[] = [];
let flushing = false;

async function flush(): Promise<void> {
  flushing = true;
  while (queue.length > 0) {
    const group = queue;
    queue = [];
    const batch = db.batch();
    for (const w of group) for (const [k, v] of w.ops) batch.put(k, v);
    try {
      await batch.write({ sync: true });
      for (const w of group) w.done();
    } catch (err) {
      for (const w of group) w.done(err instanceof Error ? err : new Error(String(err)));
    }
  }
  flushing = false;
}

function write(ops: [string, Buffer][]): Promise<void> {
  return new Promise((resolve, reject) => {
    queue.push({ ops, done: (err) => (err === undefined ? resolve() : reject(err)) });
    if (!flushing) void flush();
  });
}

/** Current version per key (Arca keeps metadata in its read cache; the floor keeps the number). */
const current = new Map<string, number>();

const app = Fastify({ logger: false });
app.addHook('onSend', async (_req, reply) => {
  reply.header('cache-control', 'no-store');
});

app.post<{ Params: { '*': string }; Body: { data?: unknown } }>('/v1/secret/data/*', async (req) => {
  const path = req.params['*'];
  const version = (current.get(path) ?? 0) + 1;
  current.set(path, version);
  const created = new Date().toISOString();
  const versionKey = `versions/${path}/${version}`;
  const metadataKey = `metadata/${path}`;
  const record = Buffer.from(JSON.stringify(req.body?.data ?? {}), 'utf8');
  const metadata = Buffer.from(JSON.stringify({ currentVersion: version, createdTime: created }), 'utf8');
  await write([
    [versionKey, seal(versionKey, record)],
    [metadataKey, seal(metadataKey, metadata)],
  ]);
  return envelope(versionMeta(created, version));
});

app.get<{ Params: { '*': string } }>('/v1/secret/data/*', async (req, reply) => {
  const path = req.params['*'];
  const version = current.get(path);
  const versionKey = `versions/${path}/${version}`;
  const stored = version === undefined ? undefined : db.getSync(versionKey);
  if (stored === undefined) return reply.code(404).send({ errors: [] });
  const data: unknown = JSON.parse(open(versionKey, stored).toString('utf8'));
  return envelope({ data, metadata: versionMeta(new Date().toISOString(), version!) });
});

const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ address })}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    await app.close();
    while (flushing || queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
    await db.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  })();
});
