/**
 * The vault CLI's `key=value` data arguments (its kvbuilder): `k=v` (value as a string, as the Go
 * CLI sends it), `k=@file` (file contents), `k=-` (stdin), a lone `-` (a JSON object on stdin) or
 * `@file.json` (a JSON object from a file), merged left to right; a repeated key becomes a list.
 * Pure apart from the injected readers, so parsing is unit-testable.
 */
import { isStdinArg } from './argv.js';
import { usageError } from './context.js';

/** How data arguments reach files and stdin. */
export interface DataSources {
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
}

/** Parses data arguments into the request body. Throws a usage error (exit 2) for malformed ones. */
export async function parseDataArgs(
  args: readonly string[],
  sources: DataSources,
): Promise<Record<string, unknown>> {
  const data: Record<string, unknown> = {};
  let stdinUsed = false;
  const stdin = async (): Promise<string> => {
    if (stdinUsed) throw usageError('stdin ("-") can only be used once');
    stdinUsed = true;
    return sources.readStdin();
  };
  const add = (key: string, value: unknown): void => {
    if (key in data) {
      const existing = data[key];
      data[key] = Array.isArray(existing) ? [...(existing as unknown[]), value] : [existing, value];
    } else {
      data[key] = value;
    }
  };
  for (const arg of args) {
    if (isStdinArg(arg) || (arg.startsWith('@') && !arg.includes('='))) {
      const fromStdin = isStdinArg(arg);
      const text = fromStdin ? await stdin() : await readOrFail(sources, arg.slice(1));
      for (const [key, value] of Object.entries(parseJsonObject(text, fromStdin ? 'stdin' : arg.slice(1)))) {
        add(key, value);
      }
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq <= 0)
      throw usageError(`Failed to parse K=V data: invalid key/value pair "${arg}": format must be key=value`);
    const key = arg.slice(0, eq);
    const raw = arg.slice(eq + 1);
    if (raw === '-') add(key, trimFinalNewline(await stdin()));
    else if (raw.startsWith('@')) add(key, await readOrFail(sources, raw.slice(1)));
    else add(key, raw);
  }
  return data;
}

async function readOrFail(sources: DataSources, path: string): Promise<string> {
  try {
    return await sources.readFile(path);
  } catch (err) {
    throw usageError(
      `Failed to read file "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function parseJsonObject(text: string, source: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw usageError(`Failed to parse JSON from ${source}: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw usageError(`JSON from ${source} must be an object`);
  return value as Record<string, unknown>;
}

function trimFinalNewline(text: string): string {
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}
