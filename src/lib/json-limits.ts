/**
 * Vault's listener JSON limits (`max_json_depth`, `max_json_string_value_length`,
 * `max_json_object_entry_count`, `max_json_array_element_count`) plus OpenBao's
 * `max_request_json_memory`, checked by one bounded, non-recursive byte scan BEFORE `JSON.parse`.
 *
 * Why before: `JSON.parse` itself copes with deep nesting, but what comes after does not
 * (`JSON.stringify` in the KV codec overflows the stack at a few thousand levels → 500), and parsing
 * an object with 200k keys blocks the event loop for over a second. The scan is linear in the body,
 * allocates nothing per token (strings are skipped with `indexOf`, not decoded) and stops at the
 * first exceeded limit. It is not a validator: malformed JSON is left to `JSON.parse` (which then
 * rejects it), so a count on malformed input may be off without consequence.
 *
 * Semantics follow Vault's jsonutil.VerifyMaxDepthStreaming: depth counts open containers; string
 * length is the raw byte length between the quotes (escapes counted as written), for keys and
 * values; entries/elements count per object/array. The memory estimate is OpenBao's cost model
 * (16 bytes per value plus 1 null/bool, 8 number, 16 + length string, 24 array, 72 object).
 */
import { ArcaError } from './errors.js';
import { limits } from './limits.js';

/** The limits one listener enforces on JSON request bodies. All positive. */
export interface JsonLimits {
  depthMax: number;
  stringValueBytesMax: number;
  objectEntriesMax: number;
  arrayElementsMax: number;
  /** Estimated bytes of the parsed value (OpenBao's cost model, see the module comment). */
  memoryBytesMax: number;
}

/** Vault's defaults (and OpenBao's for memory), from `limits`. */
export const defaultJsonLimits: JsonLimits = {
  depthMax: limits.jsonDepthMax,
  stringValueBytesMax: limits.jsonStringValueBytesMax,
  objectEntriesMax: limits.jsonObjectEntriesMax,
  arrayElementsMax: limits.jsonArrayElementsMax,
  memoryBytesMax: limits.jsonMemoryBytesMax,
};

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const valueCostBytes = 16;
const objectCostBytes = valueCostBytes + 72;
const arrayCostBytes = valueCostBytes + 24;
const stringCostBytes = valueCostBytes + 16;
const numberCostBytes = valueCostBytes + 8;
const literalCostBytes = valueCostBytes + 1;

const scratchIsObject = new Uint8Array(limits.jsonDepthConfigMax + 1);
const scratchCommas = new Uint32Array(limits.jsonDepthConfigMax + 1);

function exceeded(what: string): never {
  throw new ArcaError('malformed_json', `failed to parse JSON input: ${what}`);
}

/** True for bytes that continue a number or a literal (`true`, `false`, `null`). */
function isScalarByte(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    (byte >= 0x61 && byte <= 0x7a) || // a-z (literals, exponent e)
    byte === 0x2b || // +
    byte === 0x2d || // -
    byte === 0x2e || // .
    byte === 0x45 // E
  );
}

/**
 * Throws `malformed_json` (400, "failed to parse JSON input: JSON input exceeds allowed nesting
 * depth" and the like, Vault's texts) when `body` exceeds `jsonLimits`; returns otherwise.
 * Linear time, memory O(depthMax).
 */
export function checkJsonLimits(body: Uint8Array, jsonLimits: JsonLimits): void {
  const { depthMax, stringValueBytesMax, objectEntriesMax, arrayElementsMax, memoryBytesMax } = jsonLimits;
  // Per open container: is it an object, and how many commas it has seen so far. The scan is
  // synchronous, so one module-level scratch pair serves every call up to the configurable ceiling.
  const fits = depthMax < scratchIsObject.length;
  const isObject = fits ? scratchIsObject : new Uint8Array(depthMax + 1);
  const commas = fits ? scratchCommas : new Uint32Array(depthMax + 1);
  let depth = 0;
  let memoryBytes = 0;
  const length = body.length;
  let i = 0;
  while (i < length) {
    const byte = body[i];
    if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth++;
      if (depth > depthMax) exceeded('JSON input exceeds allowed nesting depth');
      isObject[depth] = byte === OPEN_OBJECT ? 1 : 0;
      commas[depth] = 0;
      memoryBytes += byte === OPEN_OBJECT ? objectCostBytes : arrayCostBytes;
      i++;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      if (depth > 0) depth--;
      i++;
    } else if (byte === COMMA) {
      if (depth > 0) {
        const count = ++commas[depth] + 1;
        if (isObject[depth] === 1) {
          if (count > objectEntriesMax) exceeded('JSON object exceeds allowed entry count');
        } else if (count > arrayElementsMax) {
          exceeded('JSON array exceeds allowed element count');
        }
      }
      i++;
    } else if (byte === QUOTE) {
      let end = body.indexOf(QUOTE, i + 1);
      while (end !== -1) {
        let backslashes = 0;
        while (body[end - 1 - backslashes] === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        end = body.indexOf(QUOTE, end + 1);
      }
      if (end === -1) return; // unterminated string: JSON.parse rejects it
      const bytes = end - i - 1;
      if (bytes > stringValueBytesMax) exceeded('JSON string value exceeds allowed length');
      memoryBytes += stringCostBytes + bytes;
      i = end + 1;
    } else if (isScalarByte(byte)) {
      const start = i;
      while (i < length && isScalarByte(body[i])) i++;
      const literal = byte >= 0x61 && byte <= 0x7a; // true, false, null (or garbage JSON.parse rejects)
      if (!literal && i - start > stringValueBytesMax) exceeded('JSON number value exceeds allowed length');
      memoryBytes += literal ? literalCostBytes : numberCostBytes;
    } else {
      i++; // whitespace, ':' and anything JSON.parse will reject
    }
    if (memoryBytes > memoryBytesMax) exceeded('input JSON exceeded maximum estimated memory limits');
  }
}
