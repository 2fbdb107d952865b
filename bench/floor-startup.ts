/**
 * The startup FLOOR for `npm run bench:single` (startup section, row `floor-startup`): what a dev
 * node cannot avoid before its first 200 on `sys/health`, on Arca's own stack, and nothing else —
 * Node's bootstrap, loading pino, fastify and level (Arca's chosen logger, HTTP server and
 * storage), a pino logger, a LevelDB opened in a fresh temporary directory with one synced batch
 * (dev init persists its keyring the same way), one AES-256-GCM seal (the first use of OpenSSL's
 * cipher and RNG), a fastify app with the health route, and listen. No Arca module: the distance
 * between this row and Arca's is Arca's own modules and its init (seal, Shamir, mounts, policies,
 * tokens), the part Arca's startup work can still shrink.
 *
 * Takes the same command line as an Arca dev node (`server -dev -dev-listen-address=HOST:PORT ...`)
 * so the startup timer runs both the same way; only the listen address is used. Stops on SIGTERM.
 */
import Fastify from 'fastify';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { pino } from 'pino';

const listenFlag = process.argv.find((arg) => arg.startsWith('-dev-listen-address='));
const [host, port] = (listenFlag?.split('=')[1] ?? '127.0.0.1:0').split(':');

const logger = pino({ level: 'error' });
const dir = mkdtempSync(join(tmpdir(), 'arca-floor-startup-'));
const db = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
await db.open();

const key = randomBytes(32);
const nonce = randomBytes(12);
const cipher = createCipheriv('aes-256-gcm', key, nonce);
const sealed = Buffer.concat([nonce, cipher.update(randomBytes(64)), cipher.final(), cipher.getAuthTag()]);
await db.batch([{ type: 'put', key: 'core/keyring', value: sealed }], { sync: true });

const app = Fastify({ logger: false });
app.get('/v1/sys/health', async () => ({
  initialized: true,
  sealed: false,
  standby: false,
  server_time_utc: Math.floor(Date.now() / 1000),
}));
await app.listen({ host, port: Number(port) });
logger.info('floor-startup listening');

process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => db.close())
    .finally(() => rmSync(dir, { recursive: true, force: true }));
});
