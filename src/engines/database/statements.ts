/**
 * Statement handling as Vault's PostgreSQL plugin does it: each configured statement is split on
 * `;` unless it is a multi-line body (an `END` keyword or a `$$` block outside quotes), trimmed,
 * empty pieces dropped, and `{{name}}`-style placeholders replaced (no escaping: the values Arca
 * generates — usernames, passwords, timestamps — contain no quote characters).
 */

/** Vault's `expirationFormat` (`2006-01-02 15:04:05-0700`), in UTC. */
export function formatExpiration(wallMs: number): string {
  const iso = new Date(wallMs).toISOString(); // 2026-01-02T03:04:05.678Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}+0000`;
}

/** Replaces each `{{key}}` in `template` with `vars[key]`; unknown placeholders stay. */
export function renderStatement(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{([^{}]+)\}\}/g, (whole, key: string) =>
    Object.hasOwn(vars, key) ? (vars[key] ?? whole) : whole,
  );
}

function isMultiline(statement: string): boolean {
  const withoutLiterals = statement.replace(/"[^"]*"|'[^']*'/g, '');
  return /\bEND\b/i.test(withoutLiterals) || withoutLiterals.includes('$$');
}

/** The individual queries of `statements`, in order, templated with `vars`. */
export function expandStatements(
  statements: readonly string[],
  vars: Readonly<Record<string, string>>,
): string[] {
  const queries: string[] = [];
  for (const statement of statements) {
    const pieces = isMultiline(statement) ? [statement] : statement.split(';');
    for (const piece of pieces) {
      const query = piece.trim();
      if (query !== '') queries.push(renderStatement(query, vars));
    }
  }
  return queries;
}

/**
 * Vault's statement-list input: a JSON array of strings, a JSON-array string, or one string (kept
 * whole: it is split on `;` when executed). Returns undefined for anything else.
 */
export function parseStatementList(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null || raw === '') return [];
  if (Array.isArray(raw))
    return raw.every((s) => typeof s === 'string') ? raw.filter((s) => s !== '') : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parseStatementList(parsed);
    } catch {
      // Not JSON: one statement that starts with '['.
    }
  }
  return [raw];
}

/** SQL identifier quoting (`"` doubled), as Vault's dbutil.QuoteIdentifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
