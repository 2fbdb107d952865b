/**
 * `sys/rekey/{init,update,verify,backup}` (Vault: unauthenticated, raw JSON bodies; backup is an
 * authenticated sudo endpoint with the envelope) and OpenBao's authenticated equivalents
 * `sys/rotate/root/{init,update,verify,backup}` (same logic, envelope bodies; HashiCorp Vault has
 * no such paths). Shapes and messages follow Vault's `http/sys_rekey.go`. Every share submission,
 * start and cancel is written to the ceremony record (never the share).
 */
import { zeroize } from '../../lib/bytes.js';
import { ArcaError } from '../../lib/errors.js';
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { recorded, type CeremonyContext } from '../ceremony/ceremony-context.js';
import type { CeremonyFacts } from '../ceremony/ceremony-record.js';
import { deleteRekeyBackup, readRekeyBackup } from '../ceremony/rekey-backup.js';
import type { RekeyResult, RekeyStatus, RekeyVerifyStatus } from '../ceremony/rekey.js';
import { rawJson } from './respond.js';

type Render = (body: Record<string, unknown>) => LogicalResponse;

const raw: Render = (body) => rawJson(200, body);
const envelope: Render = (body) => ({ data: body });

function statusBody(s: RekeyStatus): Record<string, unknown> {
  return {
    nonce: s.nonce,
    started: s.started,
    t: s.t,
    n: s.n,
    progress: s.progress,
    required: s.required,
    pgp_fingerprints: s.pgpFingerprints,
    backup: s.backup,
    verification_required: s.verificationRequired,
    ...(s.verificationNonce === '' ? {} : { verification_nonce: s.verificationNonce }),
  };
}

function resultBody(r: RekeyResult): Record<string, unknown> {
  return {
    nonce: r.nonce,
    complete: true,
    keys: r.shares.map((k) => k.toString('hex')),
    keys_base64: r.shares.map((k) => k.toString('base64')),
    pgp_fingerprints: r.pgpFingerprints,
    backup: r.backup,
    verification_required: r.verificationRequired,
    ...(r.verificationNonce === '' ? {} : { verification_nonce: r.verificationNonce }),
  };
}

function verifyBody(s: RekeyVerifyStatus): Record<string, unknown> {
  return { nonce: s.nonce, started: s.started, t: s.t, n: s.n, progress: s.progress };
}

function isResult(value: RekeyStatus | RekeyResult): value is RekeyResult {
  return 'shares' in value;
}

function facts(
  ctx: CeremonyContext,
  req: BackendRequest,
  ceremony: 'rekey' | 'rekey-verify',
  action: CeremonyFacts['action'],
  status: RekeyStatus,
): CeremonyFacts {
  const f = ctx.rekey.recordFacts();
  return {
    ceremony,
    action,
    path: `${req.mountPoint}${req.path}`,
    nonce: ceremony === 'rekey-verify' ? (req.fields.get<string>('nonce') ?? '') : status.nonce,
    progress: ceremony === 'rekey-verify' ? f.verificationProgress : status.progress,
    required: ceremony === 'rekey-verify' ? status.t : status.required,
    remoteAddress: req.remoteAddress ?? '',
    ...(f.fingerprints === undefined ? {} : { pgpFingerprints: f.fingerprints }),
  };
}

function initPath(ctx: CeremonyContext, prefix: string, render: Render): PathSpec {
  return {
    pattern: `${prefix}/init`,
    fields: {
      secret_shares: { type: 'int' },
      secret_threshold: { type: 'int' },
      stored_shares: { type: 'int' },
      pgp_keys: { type: 'string_list' },
      backup: { type: 'bool' },
      require_verification: { type: 'bool' },
    },
    operations: {
      read: async () => render(statusBody(await ctx.rekey.status())),
      update: async (req) => {
        const params = {
          secretShares: req.fields.get<number>('secret_shares') ?? 0,
          secretThreshold: req.fields.get<number>('secret_threshold') ?? 0,
          pgpKeys: req.fields.get<string[]>('pgp_keys') ?? [],
          backup: req.fields.get<boolean>('backup') ?? false,
          requireVerification: req.fields.get<boolean>('require_verification') ?? false,
        };
        const before = await ctx.rekey.status();
        const started = await recorded(
          ctx.recorder,
          { ...facts(ctx, req, 'rekey', 'start', before), nonce: '' },
          () => ctx.rekey.start(params),
          (s) => ({ outcome: 'accepted', nonce: s.nonce, pgpFingerprints: s.pgpFingerprints ?? undefined }),
        );
        return render(statusBody(started));
      },
      delete: async (req) => {
        const before = await ctx.rekey.status();
        await recorded(
          ctx.recorder,
          facts(ctx, req, 'rekey', 'cancel', before),
          () => ctx.rekey.cancel(),
          () => ({ outcome: 'accepted' }),
        );
        return noContent;
      },
    },
  };
}

function updatePath(ctx: CeremonyContext, prefix: string, render: Render): PathSpec {
  return {
    pattern: `${prefix}/update`,
    fields: { key: { type: 'string' }, nonce: { type: 'string' } },
    operations: {
      update: async (req) => {
        const before = await ctx.rekey.status();
        const nonce = req.fields.get<string>('nonce') ?? '';
        const out = await recorded(
          ctx.recorder,
          { ...facts(ctx, req, 'rekey', 'share', before), nonce },
          () => ctx.rekey.update(req.fields.get<string>('key'), nonce),
          (r) =>
            isResult(r)
              ? { outcome: 'complete', progress: before.required }
              : { outcome: 'accepted', progress: r.progress },
        );
        if (!isResult(out)) return render(statusBody(out));
        const body = resultBody(out);
        zeroize(...out.shares);
        return render(body);
      },
    },
  };
}

function verifyPath(ctx: CeremonyContext, prefix: string, render: Render): PathSpec {
  return {
    pattern: `${prefix}/verify`,
    fields: { key: { type: 'string' }, nonce: { type: 'string' } },
    operations: {
      read: async () => render(verifyBody(await ctx.rekey.verifyStatus())),
      delete: async () => render(verifyBody(await ctx.rekey.restartVerification())),
      update: async (req) => {
        const before = await ctx.rekey.status();
        const out = await recorded(
          ctx.recorder,
          facts(ctx, req, 'rekey-verify', 'share', before),
          () => ctx.rekey.verify(req.fields.get<string>('key'), req.fields.get<string>('nonce') ?? ''),
          (r) =>
            'complete' in r
              ? { outcome: 'complete', progress: before.t }
              : { outcome: 'accepted', progress: r.progress },
        );
        return render('complete' in out ? { nonce: out.nonce, complete: true } : verifyBody(out));
      },
    },
  };
}

function backupPath(ctx: CeremonyContext, prefix: string): PathSpec {
  return {
    pattern: `${prefix}/backup`,
    operations: {
      read: async () => {
        const backup = await readRekeyBackup(ctx.backupStorage);
        if (backup === undefined) throw new ArcaError('invalid_request', 'no backed-up keys found');
        const keysBase64: Record<string, string[]> = {};
        for (const [fp, list] of Object.entries(backup.keys)) {
          keysBase64[fp] = list.map((hex) => Buffer.from(hex, 'hex').toString('base64'));
        }
        return { data: { nonce: backup.nonce, keys: backup.keys, keys_base64: keysBase64 } };
      },
      delete: async () => {
        await deleteRekeyBackup(ctx.backupStorage);
        return noContent;
      },
    },
  };
}

/** The rekey paths under sys/: Vault's raw `rekey/*` and the enveloped `rotate/root/*`. */
export function rekeyPaths(ctx: CeremonyContext): PathSpec[] {
  return [
    initPath(ctx, 'rekey', raw),
    updatePath(ctx, 'rekey', raw),
    verifyPath(ctx, 'rekey', raw),
    backupPath(ctx, 'rekey'),
    initPath(ctx, 'rotate/root', envelope),
    updatePath(ctx, 'rotate/root', envelope),
    verifyPath(ctx, 'rotate/root', envelope),
    backupPath(ctx, 'rotate/root'),
  ];
}
