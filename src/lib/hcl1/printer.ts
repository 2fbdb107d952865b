/**
 * Canonical HCL 1 text for a parsed document (what `vault policy fmt` does, without comments):
 * items in source order, blocks as `name "label" {` with two-space indentation and a blank line
 * between top-level items, attributes as `name = value`, object values one entry per line with
 * quoted keys, lists inline. Heredocs come out as quoted strings with escapes.
 */
import type { HclItem, HclValue } from './parser.js';

const bareKey = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** The HCL 1 text of `items` (a document's top level), ending with one newline. */
export function formatHcl1(items: readonly HclItem[]): string {
  const blocks = items.map((item) => formatItem(item, 0, false));
  return blocks.length === 0 ? '' : `${blocks.join('\n\n')}\n`;
}

function pad(depth: number): string {
  return '  '.repeat(depth);
}

function formatItem(item: HclItem, depth: number, inObjectValue: boolean): string {
  const [first, ...labels] = item.keys;
  const name =
    first === undefined
      ? '""'
      : !inObjectValue && bareKey.test(first.name)
        ? first.name
        : JSON.stringify(first.name);
  const head = [name, ...labels.map((label) => JSON.stringify(label.name))].join(' ');
  if (!item.assign && item.value.kind === 'object') {
    return `${pad(depth)}${head} ${formatObject(item.value.items, depth, false)}`;
  }
  return `${pad(depth)}${head} = ${formatValue(item.value, depth)}`;
}

function formatObject(items: readonly HclItem[], depth: number, inObjectValue: boolean): string {
  if (items.length === 0) return '{}';
  const lines = items.map((item) => formatItem(item, depth + 1, inObjectValue));
  return `{\n${lines.join('\n')}\n${pad(depth)}}`;
}

function formatValue(value: HclValue, depth: number): string {
  switch (value.kind) {
    case 'literal':
      return typeof value.value === 'string' ? JSON.stringify(value.value) : String(value.value);
    case 'list':
      return `[${value.items.map((item) => formatValue(item, depth)).join(', ')}]`;
    case 'object':
      return formatObject(value.items, depth, true);
  }
}
