/**
 * The token workload (the lease manager does not exist yet; service tokens with TTLs are the
 * leases): one single-in-flight client creates tokens with short TTLs and uses (lookup-self with
 * the token), looks up (root), renews (renew-self, increment = the create TTL, so a renew never
 * shortens) and revokes them, on random nodes, so that expiries fall during faults. Tokens are
 * named t0, t1, ... in the history; the secret token value is never recorded.
 */
import { ArcaClient } from '../../src/api/client.js';
import { isApiError } from '../../src/api/errors.js';
import type { Rng } from '../../src/lib/rng.js';
import type { HistoryRecorder, Op } from '../history.js';
import { neverSent, refusedSealed } from './registers.js';

/** A token the workload knows the secret of. */
export interface LiveToken {
  name: string;
  token: string;
  ttlSeconds: number;
}

/**
 * The token is definitely not valid (the server said so): 403 (a failed authentication or
 * `bad token` from lookup) or renew's 400 `token not found`. Any other 400/404 (an uninitialised
 * or re-joining node, a missing route) says nothing about the token: recorded as unknown.
 */
export function isInvalidToken(err: unknown): boolean {
  if (isApiError(err, 403)) return true;
  return isApiError(err, 400) && err.errors.some((e) => /token not found|invalid token|bad token/i.test(e));
}

/** Runs one token op against `node` and records it. */
export async function tokenOp(
  f: Op['f'],
  token: LiveToken,
  target: { node: string; address: string; rootToken: string; timeoutMs: number },
  recorder: HistoryRecorder,
  clientName: string,
  final = false,
): Promise<Op> {
  const as = (t: string): ArcaClient =>
    new ArcaClient({ address: target.address, token: t, timeoutMs: target.timeoutMs });
  const op = recorder.invoke({
    client: clientName,
    node: target.node,
    key: token.name,
    f,
    ttlSeconds: token.ttlSeconds,
    ...(final ? { final } : {}),
  });
  const client = as(f === 'token-use' || f === 'token-renew' ? token.token : target.rootToken);
  try {
    if (f === 'token-use') {
      await client.read('auth/token/lookup-self');
      recorder.complete(op, 'ok');
    } else if (f === 'token-lookup') {
      const res = await client.write<{ expire_time?: string | null; ttl?: number }>('auth/token/lookup', {
        token: token.token,
      });
      const expire = res?.data?.expire_time ? Date.parse(res.data.expire_time) : undefined;
      recorder.complete(op, 'ok', {
        ttlSeconds: res?.data?.ttl,
        ...(expire === undefined ? {} : { expireWallMs: expire }),
      });
    } else if (f === 'token-renew') {
      const res = await client.write('auth/token/renew-self', { increment: `${token.ttlSeconds}s` });
      recorder.complete(op, 'ok', { ttlSeconds: res?.auth?.lease_duration });
    } else if (f === 'token-revoke') {
      await client.write('auth/token/revoke', { token: token.token });
      recorder.complete(op, 'ok');
    }
  } catch (err) {
    // A refused or sealed request did nothing: for a revoke that is a definite failure; for a use
    // it observed nothing, so it is recorded as unknown (not as "token invalid").
    const invalid = f !== 'token-revoke' && isInvalidToken(err);
    const noEffect = f === 'token-revoke' && (neverSent(err) || refusedSealed(err));
    recorder.complete(op, invalid || noEffect ? 'fail' : 'unknown', undefined, (err as Error).message);
  } finally {
    client.close();
  }
  return op;
}

/** Runs the token client until `stop()`; returns every token it created. */
export async function tokenClient(options: {
  nodes: { node: string; address: string }[];
  rootToken: string;
  recorder: HistoryRecorder;
  rng: Rng;
  timeoutMs: number;
  stop: () => boolean;
}): Promise<LiveToken[]> {
  const { recorder, rng } = options;
  const created: LiveToken[] = [];
  let live: LiveToken[] = [];
  let n = 0;
  while (!options.stop()) {
    const target = {
      ...options.nodes[rng.intBelow(options.nodes.length)],
      rootToken: options.rootToken,
      timeoutMs: options.timeoutMs,
    };
    if (live.length < 4 || rng.intBelow(8) === 0) {
      const ttlSeconds = 3 + rng.intBelow(6);
      const name = `t${n++}`;
      const op = recorder.invoke({
        client: 'tokens',
        node: target.node,
        key: name,
        f: 'token-create',
        ttlSeconds,
      });
      const client = new ArcaClient({
        address: target.address,
        token: options.rootToken,
        timeoutMs: options.timeoutMs,
      });
      try {
        const res = await client.write('auth/token/create', { ttl: `${ttlSeconds}s`, policies: ['default'] });
        const auth = res?.auth;
        if (auth === undefined || auth === null) throw new Error('no auth in token create response');
        recorder.complete(op, 'ok', { ttlSeconds: auth.lease_duration });
        const token = { name, token: auth.client_token, ttlSeconds };
        created.push(token);
        live.push(token);
      } catch (err) {
        recorder.complete(op, 'unknown', undefined, (err as Error).message);
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        client.close();
      }
      continue;
    }
    const token = live[rng.intBelow(live.length)];
    const roll = rng.intBelow(20);
    const f: Op['f'] =
      roll < 8 ? 'token-use' : roll < 13 ? 'token-lookup' : roll < 19 ? 'token-renew' : 'token-revoke';
    const op = await tokenOp(f, token, target, recorder, 'tokens');
    if ((f === 'token-revoke' && op.outcome === 'ok') || op.outcome === 'fail')
      live = live.filter((t) => t !== token);
    if (op.outcome === 'unknown') await new Promise((r) => setTimeout(r, 100));
  }
  return created;
}
