/**
 * The wire/log encoding of a `ConfChange` inside an entry of type ConfChange. Compact and
 * versionless by design: [type u8][node id length u16][node id utf8][context bytes].
 */
import { ArcaError } from '../lib/errors.js';
import type { ConfChange } from './types.js';

const ccTypes = ['addVoter', 'addLearner', 'removeNode'] as const;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a conf change as entry data: [type u8][id length u16][id utf8][context bytes]. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const id = encoder.encode(cc.nodeId);
  const ctx = cc.context ?? new Uint8Array(0);
  const out = new Uint8Array(3 + id.length + ctx.length);
  out[0] = ccTypes.indexOf(cc.type);
  out[1] = id.length >> 8;
  out[2] = id.length & 0xff;
  out.set(id, 3);
  out.set(ctx, 3 + id.length);
  return out;
}

/** Decodes `encodeConfChange`'s output; throws an ArcaError on malformed data. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  const type = ccTypes[data[0] ?? 255];
  const idLength = ((data[1] ?? 0) << 8) | (data[2] ?? 0);
  if (type === undefined || data.length < 3 + idLength) {
    throw new ArcaError('integrity_failure', 'malformed conf change entry');
  }
  const nodeId = decoder.decode(data.subarray(3, 3 + idLength));
  const context = data.subarray(3 + idLength);
  return context.length > 0 ? { type, nodeId, context } : { type, nodeId };
}
