/**
 * The `otpauth://totp/<issuer>:<account>?algorithm=..&digits=..&issuer=..&period=..&secret=..` URL
 * (Google Authenticator's key URI format, as Vault's TOTP engine produces and accepts it).
 */
import { ArcaError } from '../../lib/errors.js';
import { base32Decode, base32Encode } from './base32.js';

/** The parameters an otpauth URL carries. */
export interface OtpauthParams {
  issuer: string;
  accountName: string;
  key: Buffer;
  algorithm: string;
  digits: number;
  periodSeconds: number;
}

const labelEscape = (text: string): string =>
  encodeURIComponent(text).replace(/%3A/gi, ':').replace(/%40/g, '@');

/** Builds the URL with query parameters in Go's sorted order. */
export function buildOtpauthUrl(params: OtpauthParams): string {
  const label = params.issuer === '' ? params.accountName : `${params.issuer}:${params.accountName}`;
  const query = new URLSearchParams();
  query.set('algorithm', params.algorithm);
  query.set('digits', String(params.digits));
  query.set('issuer', params.issuer);
  query.set('period', String(params.periodSeconds));
  query.set('secret', base32Encode(params.key));
  return `otpauth://totp/${labelEscape(label)}?${query.toString()}`;
}

/** Parses an otpauth TOTP URL, with Vault-style 400s for anything malformed. */
export function parseOtpauthUrl(text: string): OtpauthParams {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ArcaError('invalid_request', 'url is not a valid URL');
  }
  if (url.protocol !== 'otpauth:') throw new ArcaError('invalid_request', 'url must use the otpauth scheme');
  if (url.host !== 'totp') throw new ArcaError('invalid_request', 'url must be a totp url');
  const label = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const colon = label.indexOf(':');
  const labelIssuer = colon >= 0 ? label.slice(0, colon) : '';
  const accountName = colon >= 0 ? label.slice(colon + 1).trim() : label;
  const key = base32Decode(url.searchParams.get('secret') ?? '');
  if (key === undefined) throw new ArcaError('invalid_request', 'url secret is not valid base32');
  const algorithm = (url.searchParams.get('algorithm') ?? 'SHA1').toUpperCase();
  const digits = Number(url.searchParams.get('digits') ?? '6');
  const periodSeconds = Number(url.searchParams.get('period') ?? '30');
  if (!Number.isSafeInteger(periodSeconds) || periodSeconds <= 0) {
    throw new ArcaError('invalid_request', 'the period value must be greater than zero');
  }
  return {
    issuer: url.searchParams.get('issuer') ?? labelIssuer,
    accountName,
    key,
    algorithm,
    digits,
    periodSeconds,
  };
}
