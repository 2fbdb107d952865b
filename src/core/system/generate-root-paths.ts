/**
 * `sys/generate-root/{attempt,update}` (Vault: unauthenticated, raw JSON; shapes and messages of
 * `vault/generate_root.go`). The new root token is audited like any token creation: the response
 * record of the completing submission carries its `auth` (the devices write its HMAC); if no
 * device can record it, the token is revoked and the submission fails with 500.
 */
import { ArcaError } from '../../lib/errors.js';
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import { noContent, type ResponseAuth } from '../../logical/response.js';
import { recorded, type CeremonyContext } from '../ceremony/ceremony-context.js';
import type { CeremonyFacts } from '../ceremony/ceremony-record.js';
import type { GenerateRootStatus } from '../ceremony/generate-root.js';
import { rawJson } from './respond.js';

function body(s: GenerateRootStatus): Record<string, unknown> {
  return {
    nonce: s.nonce,
    started: s.started,
    progress: s.progress,
    required: s.required,
    complete: s.complete,
    encoded_token: s.encodedToken,
    encoded_root_token: s.encodedToken,
    pgp_fingerprint: s.pgpFingerprint,
    otp: s.otp,
    otp_length: s.otpLength,
  };
}

function facts(
  ctx: CeremonyContext,
  req: BackendRequest,
  action: CeremonyFacts['action'],
  status: GenerateRootStatus,
): CeremonyFacts {
  const f = ctx.generateRoot.recordFacts();
  return {
    ceremony: 'generate-root',
    action,
    path: `${req.mountPoint}${req.path}`,
    nonce: status.nonce,
    progress: status.progress,
    required: status.required,
    remoteAddress: req.remoteAddress ?? '',
    ...(f.fingerprints === undefined ? {} : { pgpFingerprints: f.fingerprints }),
  };
}

/** What the audit trail records of the new root token (as for any token creation). */
function rootAuth(token: string, accessor: string): ResponseAuth {
  return {
    clientToken: token,
    accessor,
    policies: ['root'],
    tokenPolicies: ['root'],
    metadata: null,
    leaseDurationSeconds: 0,
    renewable: false,
    entityId: '',
    tokenType: 'service',
    orphan: true,
    numUses: 0,
  };
}

/** The generate-root paths under sys/. */
export function generateRootPaths(ctx: CeremonyContext): PathSpec[] {
  const attempt: PathSpec = {
    pattern: 'generate-root/attempt',
    fields: { otp: { type: 'string' }, pgp_key: { type: 'string' } },
    operations: {
      read: async () => rawJson(200, body(await ctx.generateRoot.status())),
      update: async (req) => {
        const before = await ctx.generateRoot.status();
        const started = await recorded(
          ctx.recorder,
          facts(ctx, req, 'start', before),
          () =>
            ctx.generateRoot.start({
              otp: req.fields.get<string>('otp'),
              pgpKey: req.fields.get<string>('pgp_key'),
            }),
          (s) => ({
            outcome: 'accepted',
            nonce: s.nonce,
            ...(s.pgpFingerprint === '' ? {} : { pgpFingerprints: [s.pgpFingerprint] }),
          }),
        );
        return rawJson(200, body(started));
      },
      delete: async (req) => {
        const before = await ctx.generateRoot.status();
        await recorded(
          ctx.recorder,
          facts(ctx, req, 'cancel', before),
          () => ctx.generateRoot.cancel(),
          () => ({ outcome: 'accepted' }),
        );
        return noContent;
      },
    },
  };
  const update: PathSpec = {
    pattern: 'generate-root/update',
    fields: { key: { type: 'string' }, nonce: { type: 'string' } },
    operations: {
      update: async (req) => {
        const before = await ctx.generateRoot.status();
        const nonce = req.fields.get<string>('nonce') ?? '';
        const base = { ...facts(ctx, req, 'share', before), nonce };
        const out = await recorded(
          ctx.recorder,
          base,
          (recordId) =>
            ctx.generateRoot.update(req.fields.get<string>('key'), nonce, async (minted) => {
              const done = { ...base, outcome: 'complete' as const, progress: before.required };
              const ok = await ctx.recorder.after(recordId, done, rootAuth(minted.token, minted.accessor));
              if (!ok) throw new ArcaError('audit_failed');
            }),
          (s) => (s.complete ? { recordedAlready: true } : { outcome: 'accepted', progress: s.progress }),
        );
        return rawJson(200, body(out));
      },
    },
  };
  return [attempt, update];
}
