/**
 * Wire shapes of the join endpoints. Vault's `bootstrap/challenge` answers `{challenge, seal_config}`
 * where `challenge` is an opaque base64 blob; ours carries the whole join bundle (seal config,
 * wrapped root key, sealed keyring, sealed challenge — see src/core/join-challenge.ts) as base64
 * of a small JSON document. `bootstrap/answer` answers `{peers: [...]}` like Vault, each peer with
 * its api address and Noise public key as well.
 */
import { decodeBase64Strict } from '../../lib/bytes.js';
import { ArcaError } from '../../lib/errors.js';
import { anyObject } from '../../lib/shape.js';
import type { JoinBundle } from '../../core/join-challenge.js';

/** One peer of a join answer. */
export interface JoinPeer {
  server_id: string;
  cluster_addr: string;
  api_addr: string;
  public_key: string;
}

const formatVersion = 1;

/** Encodes a bundle as the `challenge` field's bytes. */
export function encodeJoinChallenge(bundle: JoinBundle): Buffer {
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
  return Buffer.from(
    JSON.stringify({
      v: formatVersion,
      seal_config: b64(bundle.sealConfig),
      wrapped_root_key: b64(bundle.wrappedRootKey),
      keyring: b64(bundle.keyring),
      challenge: b64(bundle.challenge),
    }),
    'utf8',
  );
}

/** Decodes the `challenge` field (already base64-decoded); `upstream` for anything malformed. */
export function decodeJoinChallenge(bytes: Buffer | undefined): JoinBundle {
  const fail = (): never => {
    throw new ArcaError('upstream', 'the cluster answered with a malformed join challenge');
  };
  if (bytes === undefined) return fail();
  let doc: Record<string, unknown>;
  try {
    doc = anyObject(JSON.parse(bytes.toString('utf8')), 'challenge');
  } catch {
    return fail();
  }
  if (doc === null || typeof doc !== 'object' || doc.v !== formatVersion) return fail();
  const field = (name: string): Buffer => {
    const value = doc[name];
    const decoded = typeof value === 'string' ? decodeBase64Strict(value) : undefined;
    return decoded ?? fail();
  };
  return {
    sealConfig: field('seal_config'),
    wrappedRootKey: field('wrapped_root_key'),
    keyring: field('keyring'),
    challenge: field('challenge'),
  };
}
