/**
 * The TOTP secrets engine, API-compatible with Vault's: keys generated (otpauth URL + QR PNG
 * barcode, shown once) or imported (`url` or base32 `key`), `code` generation and validation,
 * and a code is accepted once per key until its validity window (period × (2 + skew)) passes.
 * Keys and used codes live under the barrier in the mount's view.
 */
import { ArcaError } from '../../lib/errors.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { secureRandomBytes } from '../../lib/rng.js';
import type { BackendFactory, BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import type { StorageView } from '../../logical/storage-view.js';
import type { Clock } from '../../lib/clock.js';
import { base32Decode } from './base32.js';
import { totpAlgorithms, totpCode, totpValid } from './otp.js';
import { buildOtpauthUrl, parseOtpauthUrl } from './otpauth-url.js';

/** A stored TOTP key. */
interface TotpKey {
  key: string;
  issuer: string;
  account_name: string;
  period: number;
  algorithm: string;
  digits: number;
  skew: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const namePattern = '(?<name>\\w(?:[\\w.-]*\\w)?)';
/** Largest QR image side Arca renders (bounds the work of one request). */
const qrSizeMax = 2048;

async function loadKey(storage: StorageView, name: string): Promise<TotpKey | undefined> {
  const raw = await storage.get(`key/${name}`);
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(raw));
  } catch {
    throw new ArcaError('integrity_failure', 'stored totp key is not valid JSON');
  }
  if (!isTotpKey(parsed)) throw new ArcaError('integrity_failure', 'stored totp key has an unexpected shape');
  return parsed;
}

function isTotpKey(v: unknown): v is TotpKey {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    ['key', 'issuer', 'account_name', 'algorithm'].every((k) => typeof r[k] === 'string') &&
    ['period', 'digits', 'skew'].every((k) => typeof r[k] === 'number')
  );
}

function validateSettings(entry: Omit<TotpKey, 'key'>): void {
  if (!Object.hasOwn(totpAlgorithms, entry.algorithm))
    throw new ArcaError('invalid_request', 'the algorithm value is not valid');
  if (entry.digits !== 6 && entry.digits !== 8)
    throw new ArcaError('invalid_request', 'the digits value can only be 6 or 8');
  if (entry.skew !== 0 && entry.skew !== 1)
    throw new ArcaError('invalid_request', 'the skew value must be 0 or 1');
  if (!(entry.period > 0))
    throw new ArcaError('invalid_request', 'the period value must be greater than zero');
}

async function createKey(request: BackendRequest): Promise<LogicalResponse> {
  const f = request.fields;
  const name = request.params.name ?? '';
  const generate = f.get<boolean>('generate') ?? false;
  const url = f.get<string>('url') ?? '';
  const keyText = f.get<string>('key') ?? '';
  let keyBytes: Buffer;
  const settings = {
    issuer: f.get<string>('issuer') ?? '',
    account_name: f.get<string>('account_name') ?? '',
    period: f.get<number>('period') ?? 30,
    algorithm: f.get<string>('algorithm') ?? 'SHA1',
    digits: f.get<number>('digits') ?? 6,
    skew: f.get<number>('skew') ?? 1,
  };
  if (generate) {
    if (keyText !== '')
      throw new ArcaError('invalid_request', 'a key should not be passed if generate is true');
    if (url !== '') throw new ArcaError('invalid_request', 'a url should not be passed if generate is true');
    if (settings.issuer === '')
      throw new ArcaError('invalid_request', 'the issuer value is required for generated keys');
    if (settings.account_name === '')
      throw new ArcaError('invalid_request', 'the account_name value is required for generated keys');
    const keySize = f.get<number>('key_size') ?? 20;
    if (keySize <= 0 || keySize > 512)
      throw new ArcaError('invalid_request', 'the key_size value must be greater than zero');
    validateSettings(settings);
    keyBytes = secureRandomBytes(keySize);
  } else if (url !== '') {
    const parsed = parseOtpauthUrl(url);
    Object.assign(settings, {
      issuer: parsed.issuer,
      account_name: parsed.accountName,
      period: parsed.periodSeconds,
      algorithm: parsed.algorithm,
      digits: parsed.digits,
    });
    validateSettings(settings);
    keyBytes = parsed.key;
  } else if (keyText !== '') {
    const decoded = base32Decode(keyText);
    if (decoded === undefined) throw new ArcaError('invalid_request', 'invalid key value: not valid base32');
    validateSettings(settings);
    keyBytes = decoded;
  } else {
    throw new ArcaError('invalid_request', 'the key value is required');
  }
  const entry: TotpKey = { key: keyBytes.toString('base64'), ...settings };
  const qrSize = f.get<number>('qr_size') ?? 200;
  if (qrSize < 0 || qrSize > qrSizeMax)
    throw new ArcaError('invalid_request', `the qr_size value must be between 0 and ${qrSizeMax}`);
  await request.storage.put(`key/${name}`, encoder.encode(JSON.stringify(entry)));
  const exported = f.get<boolean>('exported') ?? true;
  if (!generate || !exported) {
    keyBytes.fill(0);
    return noContent;
  }
  const otpUrl = buildOtpauthUrl({
    issuer: entry.issuer,
    accountName: entry.account_name,
    key: keyBytes,
    algorithm: entry.algorithm,
    digits: entry.digits,
    periodSeconds: entry.period,
  });
  keyBytes.fill(0);
  const data: Record<string, unknown> = { url: otpUrl };
  if (qrSize > 0) {
    // Loaded on first use: the QR library is not needed to start the server or the CLI.
    const { default: QRCode } = await import('qrcode');
    const png = await QRCode.toBuffer(otpUrl, {
      type: 'png',
      errorCorrectionLevel: 'M',
      width: qrSize,
      margin: 0,
    });
    data.barcode = png.toString('base64');
  }
  return { data };
}

async function sweepUsed(storage: StorageView, name: string, nowMs: number): Promise<void> {
  for (const code of await storage.list(`used/${name}/`)) {
    const raw = await storage.get(`used/${name}/${code}`);
    if (raw !== undefined && Number(decoder.decode(raw)) <= nowMs)
      await storage.delete(`used/${name}/${code}`);
  }
}

function codePaths(clock: Clock, locks: KeyedMutex): PathSpec {
  const generateCode = async (request: BackendRequest): Promise<LogicalResponse> => {
    const entry = await loadKey(request.storage, request.params.name ?? '');
    if (entry === undefined)
      throw new ArcaError('invalid_request', `unknown key: ${request.params.name ?? ''}`);
    const key = Buffer.from(entry.key, 'base64');
    const code = totpCode(
      key,
      Math.floor(clock.wallMs() / 1000),
      entry.period,
      entry.digits,
      entry.algorithm,
    );
    key.fill(0);
    return { data: { code } };
  };
  const validateCode = (request: BackendRequest): Promise<LogicalResponse> => {
    const name = request.params.name ?? '';
    return locks.run(name, async () => {
      const code = request.fields.get<string>('code') ?? '';
      if (code === '') throw new ArcaError('invalid_request', 'the code value is required');
      const entry = await loadKey(request.storage, name);
      if (entry === undefined) throw new ArcaError('invalid_request', `unknown key: ${name}`);
      const nowMs = clock.wallMs();
      await sweepUsed(request.storage, name, nowMs);
      const usedKey = `used/${name}/${/^\d{1,10}$/.test(code) ? code : 'invalid'}`;
      if ((await request.storage.get(usedKey)) !== undefined) {
        throw new ArcaError('invalid_request', 'code already used; wait until the next time period');
      }
      const key = Buffer.from(entry.key, 'base64');
      const valid = totpValid(
        key,
        code,
        Math.floor(nowMs / 1000),
        entry.period,
        entry.digits,
        entry.algorithm,
        entry.skew,
      );
      key.fill(0);
      if (valid) {
        const expiresMs = nowMs + entry.period * (2 + entry.skew) * 1000;
        await request.storage.put(usedKey, encoder.encode(String(expiresMs)));
      }
      return { data: { valid } };
    });
  };
  return {
    pattern: `code/${namePattern}`,
    fields: { name: { type: 'string' }, code: { type: 'string' } },
    operations: { read: generateCode, update: validateCode },
    help: 'Request a time-based one-time use password or validate a password for a certain key.',
  };
}

/** Mounts a TOTP engine. */
export const totpBackendFactory: BackendFactory = async (config) => {
  const locks = new KeyedMutex();
  const paths: PathSpec[] = [
    {
      pattern: 'keys/?',
      operations: {
        list: async (request) => {
          const keys = (await request.storage.list('key/')).filter((k) => !k.endsWith('/'));
          if (keys.length === 0) throw new ArcaError('not_found');
          return { data: { keys } };
        },
      },
      help: 'Manage the keys that can be created with this backend.',
    },
    {
      pattern: `keys/${namePattern}`,
      fields: {
        name: { type: 'string' },
        generate: { type: 'bool' },
        exported: { type: 'bool', default: true },
        key_size: { type: 'int', default: 20 },
        url: { type: 'string' },
        key: { type: 'string' },
        issuer: { type: 'string' },
        account_name: { type: 'string' },
        period: { type: 'duration', default: 30 },
        algorithm: { type: 'string', default: 'SHA1' },
        digits: { type: 'int', default: 6 },
        skew: { type: 'int', default: 1 },
        qr_size: { type: 'int', default: 200 },
      },
      existenceCheck: async (request) =>
        (await loadKey(request.storage, request.params.name ?? '')) !== undefined,
      operations: {
        create: createKey,
        update: createKey,
        read: async (request) => {
          const entry = await loadKey(request.storage, request.params.name ?? '');
          if (entry === undefined) throw new ArcaError('not_found');
          const { issuer, account_name, period, algorithm, digits } = entry;
          return { data: { issuer, account_name, period, algorithm, digits } };
        },
        delete: (request) =>
          locks.run(request.params.name ?? '', async () => {
            const name = request.params.name ?? '';
            const used = await request.storage.list(`used/${name}/`);
            await request.storage.batch([
              { type: 'delete', key: `key/${name}` },
              ...used.map((code) => ({ type: 'delete' as const, key: `used/${name}/${code}` })),
            ]);
            return noContent;
          }),
      },
      help: 'Manage the keys that can be created with this backend.',
    },
    codePaths(config.clock, locks),
  ];
  return { type: 'totp', paths };
};
