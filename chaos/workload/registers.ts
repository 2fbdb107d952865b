/**
 * The register workload: single-in-flight clients, each bound to one node (spread over all
 * nodes, so standbys forward), doing reads, unique-value writes and KV v2 check-and-set on a few
 * keys. Every op is recorded with harness-monotonic invoke/complete times; a request that timed
 * out or failed in a way that may have taken effect is recorded as `unknown`.
 */
import type { ArcaClient } from '../../src/api/client.js';
import { isApiError } from '../../src/api/errors.js';
import type { Rng } from '../../src/lib/rng.js';
import type { HistoryRecorder, Op } from '../history.js';

/** The KV v2 mount the harness creates. */
export const registerMount = 'chaos';

/** A definite cas rejection (the write did not happen). */
function isCasMismatch(err: unknown): boolean {
  return isApiError(err, 400) && err.errors.some((e) => /check-and-set/i.test(e));
}

/** The request never reached a server (connection refused): it cannot have had any effect. */
export function neverSent(err: unknown): boolean {
  return isApiError(err, 0) && /ECONNREFUSED/.test(err.message);
}

/** A sealed node answers 503 without doing anything. */
export function refusedSealed(err: unknown): boolean {
  return isApiError(err, 503) && err.errors.some((e) => /sealed/i.test(e));
}

/** Performs one read and records it. */
export async function readRegister(
  client: ArcaClient,
  recorder: HistoryRecorder,
  meta: { client: string; node: string; key: string; final?: boolean },
  version?: number,
): Promise<Op> {
  const op = recorder.invoke({ ...meta, f: 'read' });
  try {
    const res = await client.read<{ data?: { v?: string }; metadata?: { version?: number } }>(
      `${registerMount}/data/${meta.key}`,
      version === undefined ? undefined : { version },
    );
    const value = res?.data?.data?.v ?? null;
    recorder.complete(op, 'ok', { value, version: res === null ? 0 : (res.data?.metadata?.version ?? 0) });
  } catch (err) {
    recorder.complete(
      op,
      neverSent(err) || refusedSealed(err) ? 'fail' : 'unknown',
      undefined,
      (err as Error).message,
    );
  }
  return op;
}

/** Runs one client until `stop()` returns true. */
export async function registerClient(options: {
  name: string;
  node: string;
  client: ArcaClient;
  recorder: HistoryRecorder;
  rng: Rng;
  keys: readonly string[];
  stop: () => boolean;
}): Promise<void> {
  const { name, node, client, recorder, rng, keys } = options;
  let counter = 0;
  const lastVersion = new Map<string, number>();
  while (!options.stop()) {
    const key = keys[rng.intBelow(keys.length)];
    const kind = rng.intBelow(10);
    if (kind < 4) {
      const op = await readRegister(client, recorder, { client: name, node, key });
      if (op.outcome === 'ok') lastVersion.set(key, op.result?.version ?? 0);
      if (op.outcome !== 'ok') await backoff();
      continue;
    }
    const value = `${name}-${counter++}`;
    const cas = kind >= 7 ? (lastVersion.get(key) ?? 0) : undefined;
    const op = recorder.invoke({
      client: name,
      node,
      key,
      f: cas === undefined ? 'write' : 'cas',
      value,
      expectVersion: cas,
    });
    try {
      const body: Record<string, unknown> = { data: { v: value } };
      if (cas !== undefined) body.options = { cas };
      const res = await client.write<{ version?: number }>(`${registerMount}/data/${key}`, body);
      const version = res?.data?.version ?? undefined;
      recorder.complete(op, 'ok', version === undefined ? undefined : { version });
      if (version !== undefined) lastVersion.set(key, version);
    } catch (err) {
      if (isCasMismatch(err)) recorder.complete(op, 'fail', undefined, (err as Error).message);
      else if (neverSent(err) || refusedSealed(err)) {
        op.notExecuted = true;
        recorder.complete(op, 'fail', undefined, (err as Error).message);
        await backoff();
      } else {
        recorder.complete(op, 'unknown', undefined, (err as Error).message);
        await backoff();
      }
    }
  }
}

/** A short pause after an error so a dead node is not hammered (bounded, not a synchronisation). */
function backoff(): Promise<void> {
  return new Promise((r) => setTimeout(r, 250));
}
