/**
 * Vault-style flags for yargs. The vault CLI (Go's `flag` package) takes long flags with ONE dash
 * (`-format=json`, `-key-shares=5`, `-dev`); yargs would read `-format` as the short flags
 * `-f -o -r ...`. So before yargs runs, every `-name[=value]` whose name has two or more characters
 * becomes `--name[=value]`. Untouched: `--long` flags, single-letter `-h`, a lone `-` (stdin),
 * negative numbers, `k=v` data arguments, and everything after `--`.
 *
 * yargs also silently drops a lone `-` (vault's "read from stdin"), so it is replaced by
 * `stdinArg`, which commands recognise with `isStdinArg`.
 */

/** What a lone `-` argument becomes (a private-use character: cannot collide with a real argument). */
export const stdinArg = '\uE000stdin';

/** True for the stdin argument (`-` as typed, or as normalised). */
export function isStdinArg(arg: string | undefined): boolean {
  return arg === '-' || arg === stdinArg;
}

const singleDashLongFlag = /^-[A-Za-z][A-Za-z0-9_-]+(=[\s\S]*)?$/;

/** Returns argv with single-dash long flags rewritten to double-dash ones. Pure. */
export function normaliseArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let passthrough = false;
  for (const arg of argv) {
    if (passthrough) {
      out.push(arg);
    } else if (arg === '--') {
      passthrough = true;
      out.push(arg);
    } else {
      out.push(arg === '-' ? stdinArg : singleDashLongFlag.test(arg) ? `-${arg}` : arg);
    }
  }
  return out;
}
