/**
 * Policy-list rules for tokens, as Vault's policyutil/strutil apply them: names are trimmed and
 * lower-cased, empties dropped, duplicates removed and the list sorted; `root` swallows every
 * other policy; `default` is added on request. Plus the subset and glob checks used by token
 * creation and roles.
 */

/** Vault's SanitizePolicies: normalise, `root` alone wins, optionally add `default`, sort, dedupe. */
export function sanitizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  const set = new Set<string>();
  for (const raw of policies) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (name === 'root') return ['root'];
    set.add(name);
  }
  if (addDefault) set.add('default');
  return [...set].sort();
}

/** Every policy in `subset` also appears in `superset`. */
export function isSubset(superset: readonly string[], subset: readonly string[]): boolean {
  const have = new Set(superset);
  return subset.every((p) => have.has(p));
}

/** Glob match where `*` matches any run of characters (Vault's policy globs on roles). */
export function globMatches(pattern: string, value: string): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 's').test(value);
}

/** Whether `policy` is named in `names` or matches one of `globs`. */
export function policyListed(policy: string, names: readonly string[], globs: readonly string[]): boolean {
  return names.includes(policy) || globs.some((g) => globMatches(g, policy));
}

/** Vault's `Policy "x" does not exist` warnings (root and default always exist). */
export async function missingPolicyWarnings(
  policies: readonly string[],
  policyExists: ((name: string) => Promise<boolean>) | undefined,
): Promise<string[]> {
  if (!policyExists) return [];
  const warnings: string[] = [];
  for (const policy of policies) {
    if (policy === 'root' || policy === 'default') continue;
    if (!(await policyExists(policy))) warnings.push(`Policy "${policy}" does not exist`);
  }
  return warnings;
}
