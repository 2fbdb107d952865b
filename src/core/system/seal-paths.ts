/**
 * sys/init, sys/seal-status, sys/unseal, sys/seal, sys/health, sys/leader, sys/key-status and
 * sys/rotate. The first five answer raw JSON (no envelope) and work while sealed; core routes them
 * here before its sealed check.
 */
import { ArcaError } from '../../lib/errors.js';
import { zeroize } from '../../lib/bytes.js';
import { limits } from '../../lib/limits.js';
import {
  parsePgpPublicKey,
  parsePgpPublicKeys,
  pgpEncrypt,
  pgpEncryptEach,
  type PgpRecipient,
} from '../../lib/pgp.js';
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent } from '../../logical/response.js';
import type { SystemContext } from './context.js';
import { haStatusPath } from './ha-paths.js';
import { rawJson } from './respond.js';
import { recorded } from '../ceremony/ceremony-context.js';
import type { SealState } from '../lifecycle.js';

/** seal-status body (also the unseal response). */
export async function sealStatusBody(ctx: SystemContext): Promise<Record<string, unknown>> {
  const state = await ctx.lifecycle.status();
  const body: Record<string, unknown> = {
    type: 'shamir',
    initialized: state.initialized,
    sealed: state.sealed,
    t: state.threshold,
    n: state.shares,
    progress: state.progress,
    nonce: state.nonce,
    version: ctx.version,
    build_date: '',
    migration: false,
    recovery_seal: false,
    storage_type: ctx.storageType,
  };
  const cluster = state.sealed ? undefined : ctx.clusterInfo();
  if (cluster !== undefined) {
    body.cluster_name = cluster.name;
    body.cluster_id = cluster.id;
  }
  return body;
}

function initPath(ctx: SystemContext): PathSpec {
  return {
    pattern: 'init',
    fields: {
      secret_shares: { type: 'int' },
      secret_threshold: { type: 'int' },
      pgp_keys: { type: 'string_list' },
      root_token_pgp_key: { type: 'string' },
      stored_shares: { type: 'int' },
      recovery_shares: { type: 'int' },
      recovery_threshold: { type: 'int' },
    },
    operations: {
      read: async () => rawJson(200, { initialized: await ctx.lifecycle.isInitialized() }),
      update: async (req) => {
        const shares = req.fields.get<number>('secret_shares');
        const threshold = req.fields.get<number>('secret_threshold');
        if (shares === undefined || threshold === undefined) {
          throw new ArcaError('invalid_request', 'secret_shares and secret_threshold are required');
        }
        validateShamirConfig(shares, threshold);
        // Every PGP key is parsed (and checked able to encrypt) BEFORE anything is generated, so
        // a bad key never leaves an initialised vault whose shares nobody received.
        const pgp = await initPgpRecipients(req, shares);
        const { shares: keys, rootToken } = await ctx.initialize(shares, threshold);
        try {
          const out = pgp.shares.length > 0 ? await encryptHexShares(keys, pgp.shares) : keys;
          const body = {
            keys: out.map((k) => k.toString('hex')),
            keys_base64: out.map((k) => k.toString('base64')),
            root_token:
              pgp.rootToken === undefined
                ? rootToken
                : (await pgpEncrypt(Buffer.from(rootToken, 'utf8'), pgp.rootToken)).toString('base64'),
          };
          return rawJson(200, body);
        } finally {
          zeroize(...keys);
        }
      },
    },
  };
}

/** `pgp_keys` (one per share, Vault's count check) and `root_token_pgp_key`, parsed. */
async function initPgpRecipients(
  req: BackendRequest,
  shares: number,
): Promise<{ shares: PgpRecipient[]; rootToken?: PgpRecipient }> {
  const keys = req.fields.get<string[]>('pgp_keys') ?? [];
  if (keys.length > 0 && keys.length !== shares) {
    throw new ArcaError(
      'invalid_request',
      'invalid seal configuration: count mismatch between number of provided PGP keys and number of shares',
    );
  }
  const rootKey = req.fields.get<string>('root_token_pgp_key') ?? '';
  return {
    shares: await parsePgpPublicKeys(keys),
    ...(rootKey === '' ? {} : { rootToken: await parsePgpPublicKey(rootKey) }),
  };
}

/** Vault encrypts each share's HEX text (so `gpg --decrypt` prints the key an operator types). */
export async function encryptHexShares(shares: Buffer[], recipients: PgpRecipient[]): Promise<Buffer[]> {
  const texts = shares.map((k) => Buffer.from(k.toString('hex'), 'utf8'));
  try {
    return await pgpEncryptEach(texts, recipients);
  } finally {
    zeroize(...texts);
  }
}

/** Vault's init validation, checked before any state changes. */
export function validateShamirConfig(shares: number, threshold: number): void {
  if (shares < 1) throw new ArcaError('invalid_request', 'shares must be at least one');
  if (threshold < 1) throw new ArcaError('invalid_request', 'threshold must be at least one');
  if (shares > 1 && threshold === 1) {
    throw new ArcaError('invalid_request', 'threshold must be greater than one for multiple shares');
  }
  if (shares > limits.shamirSharesMax) {
    throw new ArcaError('invalid_request', `shares must be less than or equal to ${limits.shamirSharesMax}`);
  }
  if (threshold > shares) throw new ArcaError('invalid_request', 'threshold cannot be larger than shares');
}

function unsealPath(ctx: SystemContext): PathSpec {
  return {
    pattern: 'unseal',
    fields: { key: { type: 'string' }, reset: { type: 'bool' }, migrate: { type: 'bool' } },
    operations: {
      update: async (req) => {
        if (req.fields.get<boolean>('reset') === true) {
          await ctx.lifecycle.reset();
        } else {
          const key = req.fields.get<string>('key');
          if (key === undefined || key === '') {
            if (!(await ctx.lifecycle.isInitialized())) throw new ArcaError('not_initialized');
            throw new ArcaError('unseal_key_required');
          }
          await recordedUnseal(ctx, req.remoteAddress ?? '', () => ctx.lifecycle.submitKey(key));
        }
        return rawJson(200, await sealStatusBody(ctx));
      },
    },
  };
}

/**
 * One unseal submission between its two ceremony records (operational log only: a sealed node
 * has no audit devices loaded). Never the share.
 */
async function recordedUnseal(
  ctx: SystemContext,
  remoteAddress: string,
  submit: () => Promise<SealState>,
): Promise<void> {
  const before = await ctx.lifecycle.status();
  const facts = {
    ceremony: 'unseal' as const,
    action: 'share' as const,
    path: 'sys/unseal',
    nonce: before.nonce,
    progress: before.progress,
    required: before.threshold,
    remoteAddress,
  };
  await recorded(ctx.ceremonyRecorder, facts, submit, (state) =>
    state.sealed
      ? { outcome: 'accepted', progress: state.progress, nonce: state.nonce }
      : { outcome: 'complete', progress: before.threshold },
  );
}

const healthCodes = {
  activecode: 200,
  standbycode: 429,
  drsecondarycode: 472,
  performancestandbycode: 473,
  sealedcode: 503,
  uninitcode: 501,
  removedcode: 530,
  haunhealthycode: 474,
} as const;

function healthStatus(req: BackendRequest, name: keyof typeof healthCodes): number {
  const code = req.fields.get<number>(name) ?? healthCodes[name];
  if (code < 1 || code > 999) throw new ArcaError('invalid_field', `invalid value for "${name}": ${code}`);
  return code;
}

function healthPath(ctx: SystemContext): PathSpec {
  const fields: PathSpec['fields'] = { standbyok: { type: 'bool' }, perfstandbyok: { type: 'bool' } };
  for (const name of Object.keys(healthCodes)) fields[name] = { type: 'int' };
  return {
    pattern: 'health',
    fields,
    operations: {
      read: async (req) => {
        const state = await ctx.lifecycle.status();
        const ha = ctx.haStatus();
        const standby = !state.sealed && ha.mode === 'standby';
        // Vault: a standby answers standbycode (429) unless standbyok; perfstandbyok only concerns
        // performance standbys, which Arca does not have.
        const status = !state.initialized
          ? healthStatus(req, 'uninitcode')
          : state.sealed
            ? healthStatus(req, 'sealedcode')
            : standby && !ha.connectionHealthy
              ? healthStatus(req, 'haunhealthycode')
              : standby && req.fields.get<boolean>('standbyok') !== true
                ? healthStatus(req, 'standbycode')
                : healthStatus(req, 'activecode');
        // Every code parameter is validated, even those this state does not use (bad int → 400).
        for (const name of Object.keys(healthCodes) as (keyof typeof healthCodes)[]) healthStatus(req, name);
        const cluster = state.sealed ? undefined : ctx.clusterInfo();
        return rawJson(status, {
          initialized: state.initialized,
          sealed: state.sealed,
          standby: state.sealed || standby,
          performance_standby: false,
          replication_performance_mode: 'disabled',
          replication_dr_mode: 'disabled',
          server_time_utc: Math.floor(ctx.clock.wallMs() / 1000),
          version: ctx.version,
          ...(cluster === undefined ? {} : { cluster_name: cluster.name, cluster_id: cluster.id }),
          enterprise: false,
          echo_duration_ms: 0,
          // Vault measures skew from the active node; a cluster member shows its guard's
          // estimate from its peers, and whether the guard refuses it leadership (Arca field).
          clock_skew_ms: Math.round(ha.clockOffset?.offsetMs ?? 0),
          replication_primary_canary_age_ms: 0,
          removed_from_cluster: false,
          ha_connection_healthy: ha.connectionHealthy,
          last_request_forwarding_heartbeat_ms: 0,
          ...(ha.clockOffset === undefined
            ? {}
            : {
                clock_offset_fenced: ha.clockOffset.fenced,
                max_clock_offset_ms: ha.clockOffset.maxClockOffsetMs,
              }),
        });
      },
    },
  };
}

function leaderPath(ctx: SystemContext): PathSpec {
  return {
    pattern: 'leader',
    operations: {
      read: async () => {
        if (!ctx.lifecycle.isUnsealed()) throw new ArcaError('sealed');
        const ha = ctx.haStatus();
        const active = ha.mode === 'active';
        return rawJson(200, {
          ha_enabled: ha.enabled,
          is_self: ha.enabled && active,
          active_time:
            active && ha.activeSinceMs > 0
              ? new Date(ha.activeSinceMs).toISOString()
              : '0001-01-01T00:00:00Z',
          leader_address: ha.leaderApiAddr,
          leader_cluster_address: ha.leaderClusterAddr,
          performance_standby: false,
          performance_standby_last_remote_wal: 0,
          ...(ha.raftCommittedIndex === undefined
            ? {}
            : { raft_committed_index: ha.raftCommittedIndex, raft_applied_index: ha.raftAppliedIndex }),
        });
      },
    },
  };
}

function sealPath(ctx: SystemContext): PathSpec {
  return {
    pattern: 'seal',
    operations: {
      update: async () => {
        await ctx.lifecycle.sealVault();
        return noContent;
      },
    },
  };
}

function keyPaths(ctx: SystemContext): PathSpec[] {
  return [
    {
      pattern: 'key-status',
      operations: {
        read: async () => {
          const status = ctx.keyStatus();
          return {
            data: {
              term: status.term,
              install_time: new Date(status.installTimeMs).toISOString(),
              encryptions: status.encryptions,
            },
          };
        },
      },
    },
    {
      pattern: 'rotate',
      operations: {
        update: async () => {
          await ctx.rotateKey();
          return noContent;
        },
      },
    },
  ];
}

/** The seal-lifecycle paths of sys/. */
export function sealPaths(ctx: SystemContext): PathSpec[] {
  const sealStatus: PathSpec = {
    pattern: 'seal-status',
    operations: { read: async () => rawJson(200, await sealStatusBody(ctx)) },
  };
  return [
    initPath(ctx),
    sealStatus,
    unsealPath(ctx),
    sealPath(ctx),
    healthPath(ctx),
    leaderPath(ctx),
    haStatusPath(ctx),
    ...keyPaths(ctx),
  ];
}
