/**
 * The JSON body limits of one `listener "tcp"` block: Vault's `max_json_depth`,
 * `max_json_string_value_length`, `max_json_object_entry_count`, `max_json_array_element_count`
 * and OpenBao's `max_request_json_memory`. As in Vault, 0 (or absent) means the default. Unlike
 * Vault, a negative value (unlimited) or one above the ceilings in `limits` is a configuration
 * error: request data is serialised recursively later on, so depth must stay bounded.
 */
import { defaultJsonLimits, type JsonLimits } from '../lib/json-limits.js';
import { limits } from '../lib/limits.js';

/** The listener keys, the `JsonLimits` field each sets, and the highest value allowed. */
const keys: [key: string, field: keyof JsonLimits, ceiling: number][] = [
  ['max_json_depth', 'depthMax', limits.jsonDepthConfigMax],
  ['max_json_string_value_length', 'stringValueBytesMax', limits.jsonStringValueBytesConfigMax],
  ['max_json_object_entry_count', 'objectEntriesMax', limits.jsonCountConfigMax],
  ['max_json_array_element_count', 'arrayElementsMax', limits.jsonCountConfigMax],
  ['max_request_json_memory', 'memoryBytesMax', limits.jsonMemoryBytesConfigMax],
];

/** The listener keys this module reads (config.ts refuses any other listener key). */
export const listenerJsonLimitKeys: readonly string[] = keys.map(([key]) => key);

/**
 * Reads the JSON limit keys from a listener block; undefined when none is set (the app then uses
 * `defaultJsonLimits`). Calls `fail` (which throws) for a value that is not an integer in
 * [0, ceiling].
 */
export function parseListenerJsonLimits(
  body: Record<string, unknown>,
  where: string,
  fail: (message: string) => never,
): JsonLimits | undefined {
  if (!keys.some(([key]) => body[key] !== undefined)) return undefined;
  const jsonLimits = { ...defaultJsonLimits };
  for (const [key, field, ceiling] of keys) {
    if (body[key] === undefined) continue;
    const value = typeof body[key] === 'string' ? Number(body[key]) : body[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > ceiling) {
      fail(
        `${where}: ${key} must be an integer from 0 (the default, ${defaultJsonLimits[field]}) to ${ceiling}`,
      );
    }
    if (value > 0) jsonLimits[field] = value;
  }
  return jsonLimits;
}
