/**
 * The logger the cluster channel writes to: the subset of pino's API it uses, so a pino logger (or a
 * child of one) can be injected as is and tests can pass a recording one. Callers must never log
 * keys or payloads through it; the cluster modules log peer ids, addresses, sizes and reasons only.
 */
export interface ClusterLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything (for benchmarks and callers that do not care). */
export const silentClusterLogger: ClusterLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A short, secret-free description of an error for a log line (name and message, no stack). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 300);
  return String(err).slice(0, 300);
}
