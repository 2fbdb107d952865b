/**
 * The one-time-pad encoding of a generated root token, exactly as Vault's `sdk/helper/roottoken`:
 * `encoded_token = base64-without-padding(token XOR otp)`, where the OTP is a base62 string of the
 * token's length (`otp_length`, 28 for `hvs.` + 24 characters). Whoever holds the OTP — the
 * operator who started the attempt — is the only one who can decode the token; the key holders
 * who submit shares see only the encoded form.
 */
import { ArcaError } from './errors.js';

/** XOR of two equal-length byte strings (Vault's `xor.XORBytes`: unequal lengths are an error). */
function xorBytes(a: Uint8Array, b: Uint8Array): Buffer {
  if (a.length !== b.length)
    throw new ArcaError('invalid_request', 'length of byte slices is not equivalent');
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/** `base64raw(token XOR otp)`; the OTP must be as long as the token. */
export function encodeRootToken(token: string, otp: string): string {
  if (token.length === 0) throw new ArcaError('invalid_request', 'no token provided');
  if (otp.length === 0) throw new ArcaError('invalid_request', 'no otp provided');
  const tokenBytes = Buffer.from(token, 'utf8');
  const xored = xorBytes(Buffer.from(otp, 'utf8'), tokenBytes);
  tokenBytes.fill(0);
  const encoded = xored.toString('base64').replace(/=+$/, '');
  xored.fill(0);
  return encoded;
}

/** Inverse of `encodeRootToken` (the CLI's `-decode`). Throws `invalid_request` on bad input. */
export function decodeRootToken(encoded: string, otp: string): string {
  const text = encoded.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new ArcaError('invalid_request', "error decoding base64'd token: illegal base64 data");
  }
  const bytes = Buffer.from(text, 'base64');
  const token = xorBytes(bytes, Buffer.from(otp, 'utf8'));
  bytes.fill(0);
  const out = token.toString('utf8');
  token.fill(0);
  return out;
}
