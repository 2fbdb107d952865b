/**
 * HCL → JSON for server config files, with Arca's own HCL 1 parser (src/lib/hcl1, the language
 * Vault reads its config with; also used for policies). The JSON has the shape config.ts reads,
 * the one `hcl2json` gives (Arca parsed configs with `@cdktf/hcl2json`, Go compiled to WebAssembly,
 * until a restart spent ~650 ms of CPU in it — issue 16):
 *
 *   key = value                → "key": value (lists → arrays, `{ ... }` → objects, same rules inside)
 *   key { body }               → "key": [body, ...]               (one entry per block, in file order)
 *   key "a" "b" { body }       → "key": { "a": { "b": [body, ...] } }
 *
 * Stricter than a map merge: a key set twice, a key that is both a setting and a block, and blocks
 * of one kind with a different number of labels are errors naming the line, never a silent pick.
 * HCL 1 semantics where HCL 2 differs (as Vault): `0755` is octal, keys may be quoted, items may be
 * separated by commas, and expressions (`a = 1 + 2`, `${...}` evaluation) are not supported.
 */
import { parseHcl1, type HclItem, type HclPosition, type HclValue } from '../lib/hcl1/parser.js';

/** What a document HCL 1 cannot read, or a shape the mapping above refuses, throws (config.ts wraps it). */
function positioned(at: HclPosition, message: string): Error {
  return new Error(`line ${at.line}, column ${at.column}: ${message}`);
}

/**
 * The JSON value of the HCL 1 (or JSON, when it starts with `{`) document `text`, in the shape
 * above. Throws an `Error` whose message names the line and column (the caller names the file).
 */
export function parseHcl(text: string): Record<string, unknown> {
  const parsed = parseHcl1(text);
  if (!parsed.ok) throw positioned(parsed, parsed.message);
  return objectOf(parsed.items);
}

/** Containers made for blocks (`key { }`), as opposed to values a setting was assigned. */
type BlockGroups = Record<string, unknown>;

function objectOf(items: readonly HclItem[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const blockContainers = new WeakSet<object>();
  for (const item of items) {
    const [first, ...labels] = item.keys;
    const existing = Object.hasOwn(out, first.name) ? out[first.name] : undefined;
    if (item.assign) {
      if (existing !== undefined) throw positioned(first, `"${first.name}" is set more than once`);
      define(out, first.name, valueOf(item.value));
      continue;
    }
    if (item.value.kind !== 'object') throw positioned(item, `"${first.name}" must be a block`);
    if (
      existing !== undefined &&
      !(typeof existing === 'object' && existing !== null && blockContainers.has(existing))
    )
      throw positioned(first, `"${first.name}" is both a setting and a block`);
    const body = objectOf(item.value.items);
    let container = existing as BlockGroups | unknown[] | undefined;
    if (container === undefined) {
      container = labels.length === 0 ? [] : {};
      blockContainers.add(container);
      define(out, first.name, container);
    }
    for (const label of labels) {
      if (Array.isArray(container))
        throw positioned(label, `"${first.name}" blocks have different numbers of labels`);
      const next: unknown = Object.hasOwn(container, label.name) ? container[label.name] : undefined;
      if (next === undefined) {
        const made: BlockGroups | unknown[] = label === labels[labels.length - 1] ? [] : {};
        define(container, label.name, made);
        container = made;
      } else container = next as BlockGroups | unknown[];
    }
    if (!Array.isArray(container))
      throw positioned(first, `"${first.name}" blocks have different numbers of labels`);
    container.push(body);
  }
  return out;
}

function valueOf(value: HclValue): unknown {
  switch (value.kind) {
    case 'literal':
      return value.value;
    case 'list':
      return value.items.map(valueOf);
    case 'object':
      return objectOf(value.items);
  }
}

/** `target[key] = value` as an own data property, even for keys like `__proto__`. */
function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
