/**
 * ReadIndex through a follower (Raft thesis §6.4): the follower forwards the request to its
 * leader and routes the answer back to whoever asked. The transport authenticates `from` (a
 * message must come from the node it names), so a follower cannot re-send another node's request
 * under that node's name as etcd does; instead it forwards as itself with the asker wrapped into
 * the context, and unwraps the leader's MsgReadIndexResp to hand it to the asker (itself or the
 * node whose request it forwarded, e.g. one that still believed this follower led).
 *
 * Every MsgReadIndex a follower sends is wrapped, so every MsgReadIndexResp a follower receives
 * carries a wrapped context: unwrapping is unambiguous whatever bytes the client chose.
 */
import type { RaftState } from './state.js';
import type { Message, NodeId } from './types.js';

/** First byte of a wrapped context (a format tag, so garbage is recognised and dropped). */
const wrapTag = 0xa5;
/** Largest asker id that fits the one-byte length. */
const askerBytesMax = 255;
/**
 * Largest wrapped context a follower forwards. Each hop adds 2 + id bytes, so this bounds a
 * forwarding chain (nodes with stale leader hints); a dropped read times out in the driver.
 */
export const forwardedReadContextBytesMax = 4096;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The context a follower forwards: tag, asker id length, asker id, then the asker's context. */
export function wrapForwardedReadContext(asker: NodeId, requestCtx: Uint8Array): Uint8Array | undefined {
  const id = encoder.encode(asker);
  if (id.length === 0 || id.length > askerBytesMax) return undefined;
  const out = new Uint8Array(2 + id.length + requestCtx.length);
  out[0] = wrapTag;
  out[1] = id.length;
  out.set(id, 2);
  out.set(requestCtx, 2 + id.length);
  return out.length > forwardedReadContextBytesMax ? undefined : out;
}

/** Inverse of `wrapForwardedReadContext`; undefined for anything it did not produce. */
export function unwrapForwardedReadContext(
  ctx: Uint8Array | undefined,
): { asker: NodeId; requestCtx: Uint8Array } | undefined {
  if (!ctx || ctx.length < 3 || ctx[0] !== wrapTag) return undefined;
  const idBytes = ctx[1];
  if (idBytes === 0 || 2 + idBytes > ctx.length) return undefined;
  let asker: NodeId;
  try {
    asker = decoder.decode(ctx.subarray(2, 2 + idBytes));
  } catch {
    return undefined;
  }
  return { asker, requestCtx: ctx.slice(2 + idBytes) };
}

/** Follower: forward a read (our own or another node's) to the leader, remembering the asker. */
export function forwardReadIndex(r: RaftState, m: Message): void {
  if (r.lead === '') return; // dropped: the asker's driver times out and retries
  const context = wrapForwardedReadContext(m.from, m.context ?? new Uint8Array(0));
  if (context !== undefined) r.send({ type: 'MsgReadIndex', to: r.lead, context });
}

/** Follower: the leader's answer to a read we forwarded; serve it here or pass it to the asker. */
export function routeReadIndexResp(r: RaftState, m: Message): void {
  const unwrapped = unwrapForwardedReadContext(m.context);
  if (unwrapped === undefined) return;
  const { asker, requestCtx } = unwrapped;
  if (asker === r.id) r.readStates.push({ index: m.index, requestCtx });
  else r.send({ type: 'MsgReadIndexResp', to: asker, index: m.index, context: requestCtx });
}
