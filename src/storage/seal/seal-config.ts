/**
 * The seal configuration: the one plaintext record below the barrier (`core/seal-config`), so an
 * operator can see how many shares unseal a sealed node. Holds no secret. Validation follows
 * Vault's `SealConfig.Validate` with its messages, prefixed "invalid seal configuration: " as
 * Vault's `sys/init` answers.
 */
import { ArcaError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { PhysicalBackend } from '../physical/physical.js';
import { sealConfigKey } from '../barrier/reserved-keys.js';

/** How the KEK is split. */
export interface SealConfig {
  type: 'shamir';
  secretShares: number;
  secretThreshold: number;
}

/** Validates init parameters like Vault; `invalid_request` with Vault's message otherwise. */
export function validateSealParams(params: { secretShares: number; secretThreshold: number }): void {
  const { secretShares: shares, secretThreshold: threshold } = params;
  const fail = (why: string): never => {
    throw new ArcaError('invalid_request', `invalid seal configuration: ${why}`);
  };
  if (!Number.isSafeInteger(shares)) fail('shares must be an integer');
  if (!Number.isSafeInteger(threshold)) fail('threshold must be an integer');
  if (shares < 1) fail('shares must be at least one');
  if (threshold < 1) fail('threshold must be at least one');
  if (shares > 1 && threshold === 1) fail('threshold must be greater than one for multiple shares');
  if (shares > limits.shamirSharesMax) fail('shares must be less than 256');
  if (threshold > limits.shamirSharesMax) fail('threshold must be less than 256');
  if (threshold > shares) fail('threshold cannot be larger than shares');
}

/** Serialises a config (JSON, Vault-like field names). */
export function encodeSealConfig(config: SealConfig): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      type: config.type,
      secret_shares: config.secretShares,
      secret_threshold: config.secretThreshold,
    }),
    'utf8',
  );
}

/** Parses a stored config; anything malformed is an integrity failure (we wrote it). */
export function decodeSealConfig(bytes: Uint8Array): SealConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new ArcaError('integrity_failure', 'stored seal configuration is not valid JSON');
  }
  const record = (parsed ?? {}) as Record<string, unknown>;
  const config = {
    type: record['type'],
    secretShares: record['secret_shares'],
    secretThreshold: record['secret_threshold'],
  };
  if (
    config.type !== 'shamir' ||
    typeof config.secretShares !== 'number' ||
    typeof config.secretThreshold !== 'number'
  ) {
    throw new ArcaError('integrity_failure', 'stored seal configuration is malformed');
  }
  try {
    validateSealParams(config as SealConfig);
  } catch {
    throw new ArcaError('integrity_failure', 'stored seal configuration is out of range');
  }
  return config as SealConfig;
}

/** The stored config, or undefined when the vault is not initialized. */
export async function readSealConfig(physical: PhysicalBackend): Promise<SealConfig | undefined> {
  const stored = await physical.get(sealConfigKey);
  return stored === undefined ? undefined : decodeSealConfig(stored);
}
