/**
 * Operational logging: pino, one JSON object per line, with secrets scrubbed before anything is
 * written. Logs are for operators, never the audit trail (that fails closed, in core).
 *
 * Redaction is two-layered: pino's path redaction for the well-known request shapes (headers of a
 * request object), plus a deep scrub of every logged object that replaces the value of any key whose
 * name is sensitive (`token`, `client_token`/`clientToken`, `key`, `keys`, `keys_base64`,
 * `root_token`, `unseal_key`, `data`, `secret_id`, `password`, `authorization`, `x-vault-token`, ...)
 * at any depth. Keys are compared case-insensitively with `-` and `_` ignored. Message strings are
 * not inspected: never interpolate request data into a message.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { ArcaError } from '../lib/errors.js';

/** The server's logger type (a pino logger). */
export type Logger = PinoLogger;

/** Vault's log levels (plus pino's `fatal`/`silent`). `warning` is accepted as `warn`. */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** What replaces a redacted value. */
export const redactedValue = '[REDACTED]';

const sensitiveKeyNames = [
  'x-vault-token',
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'client_token',
  'wrapping_token',
  'key',
  'keys',
  'keys_base64',
  'recovery_keys',
  'recovery_keys_base64',
  'root_token',
  'unseal_key',
  'encoded_token',
  'otp',
  'data',
  'secret_id',
  'password',
  'private_key',
  'secret_key',
  'body',
];
const normalise = (name: string): string => name.toLowerCase().replace(/[-_]/g, '');
const sensitiveKeys = new Set(sensitiveKeyNames.map(normalise));

/** True when a value under this key must never be logged. */
export function isSensitiveKey(name: string): boolean {
  return sensitiveKeys.has(normalise(name));
}

const scrubDepthMax = 8;

/**
 * Returns a copy of `value` with every sensitive key's value replaced by `[REDACTED]` (any depth up
 * to 8 levels; deeper structures are replaced entirely, so a cycle cannot leak or loop).
 */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value; // pino's err serializer: name, message, stack
  if (depth >= scrubDepthMax) return redactedValue;
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1));
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return redactedValue;
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    out[name] = isSensitiveKey(name) ? redactedValue : scrubSecrets(item, depth + 1);
  }
  return out;
}

/** Parses a configured log level (`log_level` in the config file, `-log-level`). */
export function parseLogLevel(text: string): LogLevel {
  const level = text.trim().toLowerCase();
  if (level === 'warning') return 'warn';
  if ((logLevels as readonly string[]).includes(level)) return level as LogLevel;
  throw new ArcaError(
    'invalid_field',
    `invalid log level ${JSON.stringify(text)}; valid: ${logLevels.join(', ')}`,
  );
}

/** Options for `createLogger`. */
export interface LoggerOptions {
  level?: LogLevel;
  /** Where JSON lines go (default stdout). Tests pass an in-memory stream. */
  destination?: DestinationStream;
  /** Extra fields on every line (e.g. `node_id`). */
  base?: Record<string, unknown>;
}

/** Creates the process logger: JSON lines, ISO time, secrets scrubbed. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'req.headers["x-vault-token"]',
          'req.headers.authorization',
          'req.headers.cookie',
          'headers["x-vault-token"]',
          'headers.authorization',
        ],
        censor: redactedValue,
      },
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => scrubSecrets(bindings) as Record<string, unknown>,
        log: (object) => scrubSecrets(object) as Record<string, unknown>,
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A child logger that stamps every line with the request id (Vault's `request_id`). */
export function requestLogger(logger: Logger, requestId: string): Logger {
  return logger.child({ request_id: requestId });
}
