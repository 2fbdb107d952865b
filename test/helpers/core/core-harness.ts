/**
 * Test harness for core: a real Core over real storage (memory or LevelDB), a fake clock, and a
 * `call` helper that goes through `handleRequest` exactly as the HTTP layer would.
 */
import { FakeClock } from '../../../src/lib/clock.js';
import { ArcaError, isArcaError } from '../../../src/lib/errors.js';
import { SeededRng } from '../../../src/lib/rng.js';
import type { BackendFactory } from '../../../src/logical/backend.js';
import type { LogicalRequest, Operation } from '../../../src/logical/request.js';
import type { LogicalResponse } from '../../../src/logical/response.js';
import { Core, type CoreDeps } from '../../../src/core/core.js';
import type { CoreLogger } from '../../../src/core/mounts.js';
import type { PhysicalBackend } from '../../../src/storage/physical/physical.js';
import { MemoryPhysical } from '../../../src/storage/physical/memory.js';

/** A logger that records lines (so tests can check nothing secret is logged) and prints nothing. */
export class RecordingLogger implements CoreLogger {
  readonly lines: string[] = [];
  info(obj: object, msg?: string): void {
    this.lines.push(JSON.stringify({ obj: Object.keys(obj), msg }));
  }
  warn(obj: object, msg?: string): void {
    this.lines.push(JSON.stringify({ obj: Object.keys(obj), msg }));
  }
  error(obj: object, msg?: string): void {
    this.lines.push(JSON.stringify({ obj: Object.keys(obj), msg }));
  }
}

export interface Harness {
  core: Core;
  clock: FakeClock;
  physical: PhysicalBackend;
  logger: RecordingLogger;
  /** `extra` sets further request fields (e.g. `wrapTtlSeconds`, as `X-Vault-Wrap-TTL` would). */
  call(
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
    token?: string,
    extra?: Partial<LogicalRequest>,
  ): Promise<Outcome>;
}

/** Either a response or the ArcaError it failed with (never any other error). */
export interface Outcome {
  status: number;
  response?: LogicalResponse;
  error?: ArcaError;
  /** Parsed JSON body for raw responses. */
  body?: Record<string, unknown>;
}

let requestCounter = 0;

export async function makeHarness(
  opts: {
    physical?: PhysicalBackend;
    engines?: Record<string, BackendFactory>;
    authEngines?: Record<string, BackendFactory>;
    audit?: CoreDeps['audit'];
    metrics?: CoreDeps['metrics'];
    auditWriteTimeoutMs?: number;
    /** Server-config-derived deps (storage type, advertised addresses, system lease TTLs). */
    config?: Pick<
      CoreDeps,
      'storageType' | 'apiAddr' | 'clusterAddr' | 'systemLeaseTtls' | 'leaseTiming' | 'keyRotation'
    >;
  } = {},
): Promise<Harness> {
  const clock = new FakeClock();
  const physical = opts.physical ?? new MemoryPhysical();
  const logger = new RecordingLogger();
  const core = await Core.create({
    physical,
    clock,
    rng: new SeededRng(7),
    logger,
    engines: opts.engines ?? {},
    authEngines: opts.authEngines,
    audit: opts.audit,
    metrics: opts.metrics,
    auditWriteTimeoutMs: opts.auditWriteTimeoutMs,
    version: '1.19.0',
    storageType: 'inmem',
    ...opts.config,
  });
  const call = callerFor(core);
  return { core, clock, physical, logger, call };
}

/** A `call(operation, path, data, token, extra)` against `core` that returns the status as HTTP would. */
export function callerFor(core: Core) {
  return async (
    operation: Operation,
    path: string,
    data: Record<string, unknown> = {},
    token = '',
    extra: Partial<LogicalRequest> = {},
  ): Promise<Outcome> => {
    try {
      const response = await core.handleRequest({
        id: `req-${++requestCounter}`,
        operation,
        path,
        data,
        clientToken: token,
        headers: {},
        remoteAddress: '127.0.0.1',
        ...extra,
      });
      if (response.raw !== undefined) {
        const text = Buffer.from(response.raw.body).toString('utf8');
        const body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
        return { status: response.raw.status, response, ...(body === undefined ? {} : { body }) };
      }
      const empty =
        (response.data === undefined || response.data === null) && response.warnings === undefined;
      // As the HTTP renderer: a lease (renew answers), auth block or wrap_info is a 200 even without data.
      const bare =
        empty &&
        response.auth === undefined &&
        response.secret === undefined &&
        response.wrapInfo === undefined;
      return { status: bare ? 204 : 200, response };
    } catch (err) {
      if (!isArcaError(err)) throw err;
      return { status: err.httpStatus, error: err };
    }
  };
}

/** Inits through sys/init and returns hex keys and the root token. */
export async function initThroughApi(
  h: Harness,
  shares: number,
  threshold: number,
): Promise<{ keys: string[]; keysBase64: string[]; rootToken: string }> {
  const out = await h.call('update', 'sys/init', { secret_shares: shares, secret_threshold: threshold });
  if (out.status !== 200 || out.body === undefined)
    throw new Error(`init failed: ${out.status} ${out.error?.message}`);
  return {
    keys: out.body.keys as string[],
    keysBase64: out.body.keys_base64 as string[],
    rootToken: out.body.root_token as string,
  };
}

/** Submits keys through sys/unseal; returns the last status body. */
export async function unsealThroughApi(h: Harness, keys: string[]): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> = {};
  for (const key of keys) {
    const out = await h.call('update', 'sys/unseal', { key });
    if (out.body === undefined) throw new Error(`unseal failed: ${out.status} ${out.error?.message}`);
    body = out.body;
  }
  return body;
}

/**
 * A small storage-backed engine for testing mount plumbing (routing, chroot, TTLs) independently
 * of the real KV engine: `<key>` read/write/delete/list, and `lease/<name>` returning a secret with
 * the TTL given in `ttl` (seconds).
 */
export const notesEngine: BackendFactory = async (config) => ({
  type: 'notes',
  paths: [
    {
      pattern: 'lease/(?<name>[^/]+)',
      fields: { ttl: { type: 'int' } },
      operations: {
        read: async (req) => ({
          data: { name: req.params.name, mount: config.mountPoint },
          secret: { ttlSeconds: req.fields.get<number>('ttl') ?? 0, renewable: true },
        }),
      },
    },
    {
      pattern: '(?<key>.*)',
      takesArbitraryFields: true,
      existenceCheck: async (req) => (await req.storage.get(req.path)) !== undefined,
      operations: {
        read: async (req) => {
          const value = await req.storage.get(req.path);
          if (value === undefined) throw new ArcaError('not_found');
          return { data: JSON.parse(Buffer.from(value).toString('utf8')) as Record<string, unknown> };
        },
        update: async (req) => {
          await req.storage.put(req.path, Buffer.from(JSON.stringify(req.data)));
          return {};
        },
        delete: async (req) => {
          await req.storage.delete(req.path);
          return {};
        },
        list: async (req) => ({ data: { keys: await req.storage.list(req.path) } }),
      },
    },
  ],
});

/** Init 1/1, unseal, return the root token. */
export async function unsealedHarness(
  opts: Parameters<typeof makeHarness>[0] = {},
): Promise<Harness & { rootToken: string; keys: string[] }> {
  const h = await makeHarness({ engines: { notes: notesEngine, ...opts.engines }, ...opts });
  const { keys, rootToken } = await initThroughApi(h, 1, 1);
  await unsealThroughApi(h, keys);
  return { ...h, rootToken, keys };
}
