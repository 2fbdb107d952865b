/**
 * Inputs for key material shared by the ceremony pages: a password field for one unseal/recovery
 * share (read once, then emptied before the request is even sent, so the share does not linger in
 * the DOM), PGP public keys pasted or uploaded (as base64 of the binary key, as Vault takes them),
 * and a one-time display of new keys.
 */
import { h, replace, type Child } from '../dom.js';

/** A password field for a share: no autocomplete, no spellcheck, not remembered by the browser. */
export function shareInput(id: string): HTMLInputElement {
  return h('input', {
    id,
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    autocapitalize: 'off',
    required: true,
  });
}

/** Returns the field's value and empties it at once (the share leaves the DOM before the request). */
export function takeSecret(input: HTMLInputElement): string {
  const value = input.value.trim();
  input.value = '';
  return value;
}

/** A textarea + file picker for PGP public keys; `keys()` resolves to their base64 binary forms. */
export interface PgpKeysInput {
  element: HTMLElement;
  keys(): Promise<string[]>;
}

/** Builds a PGP keys input (`idPrefix-text`, `idPrefix-files`); `single` accepts one key only. */
export function pgpKeysInput(idPrefix: string, label: string, single = false): PgpKeysInput {
  const text = h('textarea', {
    id: `${idPrefix}-text`,
    rows: 3,
    spellcheck: 'false',
    placeholder: single ? 'base64 or ASCII-armored public key' : 'one base64 or ASCII-armored key each',
  });
  const files = h('input', { id: `${idPrefix}-files`, type: 'file', multiple: !single });
  const element = h(
    'fieldset',
    { class: 'pgp' },
    h('legend', {}, label),
    text,
    h('label', { class: 'file' }, 'or upload: ', files),
  );
  return {
    element,
    keys: async () => {
      const keys = parseKeysText(text.value);
      for (const file of Array.from(files.files ?? [])) {
        const bytes = new Uint8Array(await file.arrayBuffer());
        const asText = new TextDecoder().decode(bytes.subarray(0, 64));
        if (asText.includes('-----BEGIN PGP')) keys.push(...parseKeysText(new TextDecoder().decode(bytes)));
        else keys.push(toBase64(bytes));
      }
      return keys;
    },
  };
}

/** Armored blocks → their base64 body; otherwise whitespace/comma separated base64 keys. */
export function parseKeysText(text: string): string[] {
  const armored = /-----BEGIN PGP PUBLIC KEY BLOCK-----([\s\S]*?)-----END PGP PUBLIC KEY BLOCK-----/g;
  const keys: string[] = [];
  let found = false;
  for (const match of text.matchAll(armored)) {
    found = true;
    const body = match[1].replace(/\r/g, '').split('\n\n').slice(1).join('\n');
    // The body ends with the CRC line `=XXXX`, which is not part of the key.
    const lines = body
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('='));
    keys.push(lines.join(''));
  }
  if (found) return keys;
  return text
    .split(/[\s,]+/)
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * Shows new key material once: a list of values, a warning, and a button that removes it all from
 * the page when the operator has saved it.
 */
export function showOnce(id: string, title: string, items: [string, string][], then: Child): HTMLElement {
  const box: HTMLElement = h(
    'div',
    { id, class: 'once' },
    h('h2', {}, title),
    h(
      'p',
      { class: 'warn-text' },
      'Shown once. Save each value now and give each key to its holder; Arca does not show them again.',
    ),
    h(
      'ol',
      { class: 'keys' },
      ...items.map(([label, value]) =>
        h('li', {}, h('span', { class: 'label' }, label), h('code', { class: 'secret' }, value)),
      ),
    ),
    h(
      'button',
      {
        type: 'button',
        id: `${id}-done`,
        onclick: () => {
          replace(box, h('p', { class: 'notice ok' }, 'Keys removed from the page.'), then);
        },
      },
      'I have saved them — remove from page',
    ),
  );
  return box;
}
