/**
 * What travels inside a frame: a small tagged array, cheap to encode and strict to validate. A
 * value of any other shape is a protocol violation and closes the connection it came on.
 *
 *   [0, channel, message]          one-way message (Raft)
 *   [1, callId, method, payload]   request
 *   [2, callId, result]            successful response
 *   [3, callId, code, messages]    failed response (ArcaError code + secret-free messages)
 */

/** A one-way message on a named channel. */
export type MessageEnvelope = [0, string, unknown];
/** An RPC request. */
export type RequestEnvelope = [1, number, string, unknown];
/** A successful RPC response. */
export type ResultEnvelope = [2, number, unknown];
/** A failed RPC response. */
export type FailureEnvelope = [3, number, string, string[]];
/** Any envelope. */
export type Envelope = MessageEnvelope | RequestEnvelope | ResultEnvelope | FailureEnvelope;

/** Thrown for a frame that decoded but is not a valid envelope. */
export class ProtocolViolation extends Error {
  override name = 'ProtocolViolation';
}

const nameMaxLength = 128;

/** Validates a decoded frame; throws `ProtocolViolation` for anything that is not an envelope. */
export function parseEnvelope(value: unknown): Envelope {
  if (!Array.isArray(value) || value.length < 3) throw new ProtocolViolation('frame is not an envelope');
  const kind: unknown = value[0];
  switch (kind) {
    case 0:
      if (value.length === 3 && isName(value[1])) return value as MessageEnvelope;
      break;
    case 1:
      if (value.length === 4 && isCallId(value[1]) && isName(value[2])) return value as RequestEnvelope;
      break;
    case 2:
      if (value.length === 3 && isCallId(value[1])) return value as ResultEnvelope;
      break;
    case 3:
      if (
        value.length === 4 &&
        isCallId(value[1]) &&
        typeof value[2] === 'string' &&
        Array.isArray(value[3]) &&
        value[3].every((m) => typeof m === 'string')
      ) {
        return value as FailureEnvelope;
      }
      break;
  }
  throw new ProtocolViolation(`malformed envelope of kind ${typeof kind === 'number' ? kind : typeof kind}`);
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= nameMaxLength;
}

function isCallId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
