/**
 * Vault-style flags for yargs. The vault CLI (Go's `flag` package) takes long flags with ONE dash
 * (`-format=json`, `-key-shares=5`, `-dev`); yargs would read `-format` as the short flags
 * `-f -o -r ...`. So before yargs runs, every `-name[=value]` whose name has two or more characters
 * becomes `--name[=value]`. Untouched: `--long` flags, single-letter `-h`, a lone `-` (stdin),
 * negative numbers, `k=v` data arguments, and everything after `--`.
 */

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
      out.push(singleDashLongFlag.test(arg) ? `-${arg}` : arg);
    }
  }
  return out;
}
