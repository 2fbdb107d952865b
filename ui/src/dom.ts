/**
 * A tiny element builder: every node is created with `document.createElement` and text is set with
 * `textContent`, never `innerHTML`, so nothing a server or user returns can become markup or code.
 * Event handlers are attached with `addEventListener` (the CSP forbids inline handlers).
 */

/** What may be passed as a child: nodes, text, or nothing (skipped). */
export type Child = Node | string | number | null | undefined | false;

/** Attributes (`class`, `id`, `type`, ...) and `on<event>` listeners. */
export type Props = Record<string, string | number | boolean | EventListener | undefined>;

/** Creates `<tag>` with `props` and `children`. `false`/`undefined` attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

/** Appends `children` to `parent` (text as text nodes). */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `parent` with `children`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

/** A two-column table of `[label, value]` rows. */
export function facts(id: string, rows: [string, Child][]): HTMLTableElement {
  return h(
    'table',
    { id, class: 'facts' },
    h('tbody', {}, ...rows.map(([label, value]) => h('tr', {}, h('th', {}, label), h('td', {}, value)))),
  );
}

/** A message box; `kind` picks the colour. */
export function notice(kind: 'error' | 'ok' | 'warn' | 'info', ...children: Child[]): HTMLElement {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}

/** A labelled input (`<label>` wrapping the text and the field). */
export function field(label: string, input: HTMLElement, hint?: string): HTMLLabelElement {
  return h('label', { class: 'field' }, h('span', {}, label), input, hint ? h('small', {}, hint) : null);
}

/** Reads a required integer from a number input (NaN when empty or not an integer). */
export function intValue(input: HTMLInputElement): number {
  const n = Number(input.value);
  return input.value.trim() !== '' && Number.isInteger(n) ? n : Number.NaN;
}
