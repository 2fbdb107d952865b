/**
 * Keeps connection secrets out of errors, logs and reads (Vault's error-sanitizer middleware):
 * driver errors can quote the connection string or, for a malformed statement, the text near a
 * password. Every error the engine lets out of a database call goes through `databaseError`.
 */
import { ArcaError } from '../../lib/errors.js';

/** What a secret is replaced with in error text (Vault's placeholder). */
export const redactedSecret = '[password]';

/** `text` with every secret (raw and URL-encoded) and any URL's userinfo password replaced. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === undefined || secret.length < 3) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)]))
      out = out.split(form).join(redactedSecret);
  }
  return out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, `$1${redactedSecret}@`);
}

/**
 * An `internal` (500, as Vault answers a failing plugin) error whose message is `prefix: <cause>`
 * with secrets redacted. The driver's error object (with its query text and fields) is dropped.
 */
export function databaseError(
  prefix: string,
  err: unknown,
  secrets: readonly (string | undefined)[],
): ArcaError {
  if (err instanceof ArcaError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ArcaError('internal', `${prefix}: ${redact(message, secrets)}`);
}

/**
 * A connection URL as a read shows it (Vault's masking): a literal password in the userinfo
 * becomes `*****`; a `{{password}}` template is shown as is.
 */
export function maskConnectionUrl(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)([^@/]*)@/i.exec(url);
  if (match === null || match[2] === '{{password}}' || match[2] === '') return url;
  return `${match[1]}*****@${url.slice(match[0].length)}`;
}
