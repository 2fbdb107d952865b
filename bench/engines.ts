/**
 * `npm run bench:engines`: transit encrypt/decrypt of 1 KiB (single and batch of 100), ed25519
 * sign/verify, and PKI `issue` with EC P-256 and RSA-2048 keys, each measured in the SAME run
 * against the bare node:crypto operation it wraps, so the ratio is our overhead (dispatch, field
 * coercion, policy JSON load from storage, base64, the vault:v<N>: format, X.509 assembly).
 * Engines run in-process over a Map-backed StorageView (no HTTP, no barrier: those are measured by
 * `npm run bench` and `npm run bench:barrier`). Each phase runs for ARCA_BENCH_PHASE_MS (default
 * 1500) and is bounded by it.
 */
import {
  createCipheriv,
  createDecipheriv,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { pkiBackendFactory } from '../src/engines/pki/index.js';
import { transitBackendFactory } from '../src/engines/transit/index.js';
import { systemClock } from '../src/lib/clock.js';
import { systemRng } from '../src/lib/rng.js';
import type { Backend, BackendFactory } from '../src/logical/backend.js';
import { dispatch } from '../src/logical/dispatch.js';
import type { Operation } from '../src/logical/request.js';
import type { StorageOp, StorageView } from '../src/logical/storage-view.js';

const phaseMs = Number(process.env['ARCA_BENCH_PHASE_MS'] ?? 1500);

/** The smallest StorageView: a Map (values copied in and out, as the real view does). */
class MapView implements StorageView {
  private readonly map = new Map<string, Uint8Array>();
  async get(key: string) {
    const value = this.map.get(key);
    return value === undefined ? undefined : Uint8Array.from(value);
  }
  async put(key: string, value: Uint8Array) {
    this.map.set(key, Uint8Array.from(value));
  }
  async delete(key: string) {
    this.map.delete(key);
  }
  async list(prefix: string) {
    const names = new Set<string>();
    for (const key of this.map.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      names.add(slash < 0 ? rest : rest.slice(0, slash + 1));
    }
    return [...names].sort();
  }
  async batch(ops: StorageOp[]) {
    for (const op of ops)
      if (op.type === 'put') await this.put(op.key, op.value);
      else await this.delete(op.key);
  }
}

async function mount(factory: BackendFactory) {
  const storage = new MapView();
  const backend: Backend = await factory({
    mountPoint: 'x/',
    options: {},
    storage,
    clock: systemClock,
    rng: systemRng,
  });
  let id = 0;
  return async (operation: Operation, path: string, data: Record<string, unknown> = {}) =>
    dispatch(backend, { requestId: String(++id), operation, path, data, storage, mountPoint: 'x/' });
}

/** Runs `op` repeatedly for `phaseMs`; returns operations per second. */
async function rate(op: () => unknown, unitsPerOp = 1): Promise<number> {
  for (let i = 0; i < 20; i++) await op(); // warm-up
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < phaseMs) {
    await op();
    n++;
  }
  return (n * unitsPerOp * 1000) / (performance.now() - start);
}

const rows: [string, number, number][] = [];
async function row(name: string, arca: () => unknown, direct: () => unknown, unitsPerOp = 1) {
  const a = await rate(arca, unitsPerOp);
  const d = await rate(direct, unitsPerOp);
  rows.push([name, a, d]);
  console.error(`${name}: arca ${a.toFixed(0)}/s, node:crypto ${d.toFixed(0)}/s`);
}

const transit = await mount(transitBackendFactory);
await transit('update', 'keys/aes');
await transit('update', 'keys/ed', { type: 'ed25519' });
const kib = randomBytes(1024);
const kib64 = kib.toString('base64');
const key = randomBytes(32);
const ct = String((await transit('update', 'encrypt/aes', { plaintext: kib64 })).data?.ciphertext);
const batch = Array.from({ length: 100 }, () => ({ plaintext: kib64 }));
const batchCt = (
  (await transit('update', 'encrypt/aes', { batch_input: batch })).data?.batch_results as {
    ciphertext: string;
  }[]
).map((r) => ({ ciphertext: r.ciphertext }));
const directEncrypt = () => {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  return `vault:v1:${Buffer.concat([nonce, c.update(kib), c.final(), c.getAuthTag()]).toString('base64')}`;
};
const sealed = Buffer.from(directEncrypt().slice(9), 'base64');
const directDecrypt = () => {
  const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]).toString('base64');
};
await row(
  'transit encrypt 1 KiB (ops/s)',
  () => transit('update', 'encrypt/aes', { plaintext: kib64 }),
  directEncrypt,
);
await row(
  'transit decrypt 1 KiB (ops/s)',
  () => transit('update', 'decrypt/aes', { ciphertext: ct }),
  directDecrypt,
);
await row(
  'transit encrypt batch 100 × 1 KiB (items/s)',
  () => transit('update', 'encrypt/aes', { batch_input: batch }),
  () => {
    for (let i = 0; i < 100; i++) directEncrypt();
  },
  100,
);
await row(
  'transit decrypt batch 100 × 1 KiB (items/s)',
  () => transit('update', 'decrypt/aes', { batch_input: batchCt }),
  () => {
    for (let i = 0; i < 100; i++) directDecrypt();
  },
  100,
);
const edPair = generateKeyPairSync('ed25519');
const msg = randomBytes(64);
const msg64 = msg.toString('base64');
const edSig = String((await transit('update', 'sign/ed', { input: msg64 })).data?.signature);
const rawSig = sign(null, msg, edPair.privateKey);
await row(
  'ed25519 sign (ops/s)',
  () => transit('update', 'sign/ed', { input: msg64 }),
  () => sign(null, msg, edPair.privateKey),
);
await row(
  'ed25519 verify (ops/s)',
  () => transit('update', 'verify/ed', { input: msg64, signature: edSig }),
  () => verify(null, msg, edPair.publicKey, rawSig),
);

const pki = await mount(pkiBackendFactory);
await pki('update', 'root/generate/internal', { common_name: 'Bench Root', key_type: 'ec', ttl: '8760h' });
await pki('update', 'roles/ec', { allow_any_name: true, key_type: 'ec' });
await pki('update', 'roles/rsa', { allow_any_name: true, key_type: 'rsa', no_store: true });
const caPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const tbs = randomBytes(700);
await row(
  'pki issue EC P-256 (ops/s)',
  () => pki('update', 'issue/ec', { common_name: 'bench.example.com', ttl: '1h' }),
  () => {
    generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return sign('sha256', tbs, caPair.privateKey);
  },
);
await row(
  'pki issue RSA-2048 (ops/s)',
  () => pki('update', 'issue/rsa', { common_name: 'bench.example.com', ttl: '1h' }),
  () => {
    generateKeyPairSync('rsa', { modulusLength: 2048 });
    return sign('sha256', tbs, caPair.privateKey);
  },
);

console.log('| operation | Arca engine | node:crypto direct | Arca / direct |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, a, d] of rows) {
  console.log(
    `| ${name} | ${Math.round(a).toLocaleString('en-US')} | ${Math.round(d).toLocaleString('en-US')} | ${(a / d).toFixed(2)} |`,
  );
}
