/**
 * Where a JWT's signing keys come from (exactly one per config, as Vault): PEM public keys or
 * certificates (`jwt_validation_pubkeys`), a JWKS URL, or an OIDC discovery URL whose document
 * names the JWKS. Remote key sets are cached and re-fetched when a token names an unknown `kid`
 * (jose's remote set with no cool-down, like go-oidc's remote key set). Signatures are checked by
 * jose only — nothing here does cryptography by hand.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type * as Jose from 'jose';

/** jose, loaded on the first verification (startup does not pay for it). */
function loadJose(): Promise<typeof Jose> {
  return import('jose');
}

/** Vault's default `jwt_supported_algs`. */
export const defaultAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
];

/** How long a remote fetch may take, ms. */
const fetchTimeoutMs = 10_000;

/** A verification failure with Vault's text (the caller prefixes `error validating token: `). */
export class SignatureError extends Error {}

/** The keys of one configuration. */
export interface KeySet {
  /** Verifies the compact JWS against `algorithms` and returns its claims object. */
  verify(token: string, algorithms: string[]): Promise<Record<string, unknown>>;
}

/** Parses PEM public keys or certificates; throws with Vault's `error parsing public key` text. */
export function parsePublicKeys(pems: string[]): KeyObject[] {
  return pems.map((pem) => {
    try {
      return createPublicKey(pem);
    } catch (err) {
      throw new SignatureError(`error parsing public key: ${(err as Error).message}`);
    }
  });
}

function claimsOf(payload: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw new SignatureError('error verifying token signature: payload is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SignatureError('error verifying token signature: payload is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function translate(err: unknown, joseErrors: typeof Jose.errors): never {
  if (err instanceof SignatureError) throw err;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    throw new SignatureError(
      'invalid algorithm (alg) header parameter: token signed with unexpected algorithm',
    );
  }
  if (
    err instanceof joseErrors.JWKSNoMatchingKey ||
    err instanceof joseErrors.JWSSignatureVerificationFailed
  ) {
    throw new SignatureError(
      'error verifying token signature: no known key successfully validated the token signature',
    );
  }
  if (err instanceof joseErrors.JWSInvalid) {
    throw new SignatureError('error verifying token signature: malformed token');
  }
  const message = err instanceof Error ? err.message : String(err);
  throw new SignatureError(`error verifying token signature: ${message}`);
}

/** A key set over fixed public keys: the first key that verifies wins. */
export function staticKeySet(keys: KeyObject[]): KeySet {
  return {
    async verify(token, algorithms) {
      const { compactVerify, errors: joseErrors } = await loadJose();
      let last: unknown = new joseErrors.JWSSignatureVerificationFailed();
      for (const key of keys) {
        try {
          return claimsOf((await compactVerify(token, key, { algorithms })).payload);
        } catch (err) {
          if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JWSInvalid)
            translate(err, joseErrors);
          last = err;
        }
      }
      return translate(
        last instanceof TypeError || last instanceof joseErrors.JOSENotSupported
          ? new joseErrors.JWSSignatureVerificationFailed()
          : last,
        joseErrors,
      );
    },
  };
}

/** A key set over a JWKS URL, cached, re-fetched on an unknown `kid`. */
export function remoteKeySet(jwksUrl: string): KeySet {
  const url = new URL(jwksUrl);
  let jwks: ReturnType<typeof Jose.createRemoteJWKSet> | undefined;
  return {
    async verify(token, algorithms) {
      const { compactVerify, createRemoteJWKSet, errors: joseErrors } = await loadJose();
      jwks ??= createRemoteJWKSet(url, { cooldownDuration: 0, timeoutDuration: fetchTimeoutMs });
      try {
        return claimsOf((await compactVerify(token, jwks, { algorithms })).payload);
      } catch (err) {
        return translate(err, joseErrors);
      }
    },
  };
}

/** The `jwks_uri` of an OIDC provider (`<url>/.well-known/openid-configuration`). */
export async function discoverJwksUri(discoveryUrl: string): Promise<string> {
  const url = `${discoveryUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(url, { signal: AbortSignal.timeout(fetchTimeoutMs) });
  if (!res.ok) throw new SignatureError(`error checking oidc discovery URL: ${res.status}`);
  const doc = (await res.json()) as { jwks_uri?: unknown; issuer?: unknown };
  if (typeof doc.jwks_uri !== 'string') throw new SignatureError('error checking oidc discovery URL');
  return doc.jwks_uri;
}
