/**
 * RFC 6238 TOTP over RFC 4226 HOTP: counter = floor(unix seconds / period), HMAC-SHA1/256/512,
 * dynamic truncation, `digits` decimal digits. Validation accepts ±`skew` periods and compares in
 * constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Vault's algorithm names mapped to node:crypto digests. */
export const totpAlgorithms: Record<string, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

/** The HOTP value of `counter` for `key`. */
export function hotp(key: Uint8Array, counter: number, digits: number, algorithm: string): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(totpAlgorithms[algorithm] ?? 'sha1', key)
    .update(message)
    .digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  mac.fill(0);
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The TOTP code at `unixSeconds`. */
export function totpCode(
  key: Uint8Array,
  unixSeconds: number,
  periodSeconds: number,
  digits: number,
  algorithm: string,
): string {
  return hotp(key, Math.floor(unixSeconds / periodSeconds), digits, algorithm);
}

/** Whether `code` matches the current period or one within `skew` periods either side. */
export function totpValid(
  key: Uint8Array,
  code: string,
  unixSeconds: number,
  periodSeconds: number,
  digits: number,
  algorithm: string,
  skew: number,
): boolean {
  if (code.length !== digits || !/^\d+$/.test(code)) return false;
  const counter = Math.floor(unixSeconds / periodSeconds);
  const given = Buffer.from(code);
  let valid = false;
  for (let delta = -skew; delta <= skew; delta++) {
    if (counter + delta < 0) continue;
    const expected = Buffer.from(hotp(key, counter + delta, digits, algorithm));
    if (timingSafeEqual(expected, given)) valid = true;
  }
  return valid;
}
