/**
 * `arca audit verify`: checks the keyed hash chain of one or more audit files (given in rotation
 * order, oldest first) and names the first broken line as `<file>:<line>: <reason>`. Pure: the
 * command reads the files and the key (or fetches them from the server with -device) and calls
 * this. With the device's current seq it also detects entries cut from the END of the newest file,
 * which the chain alone cannot show.
 */
import { verifyChain } from '../lib/hash-chain.js';
import { decodeHexStrict } from '../lib/bytes.js';

/** One audit file's name (for messages) and its full text. */
export interface AuditFileText {
  name: string;
  text: string;
}

export interface AuditVerifyInput {
  files: AuditFileText[];
  /** The device's chain key (32 bytes). */
  key: Uint8Array;
  /** The device's `prefix` option, stripped from every line before checking. */
  prefix?: string;
  /** The device's current seq (from sys/audit-chain): the files must reach at least this far. */
  deviceSeq?: number;
  /**
   * Accept a first file that continues an earlier chain (its older rotated files are gone or not
   * given). Off by default: then the chain must start at seq 1, so a removed FIRST line shows.
   */
  allowContinuation?: boolean;
}

export type AuditVerifyResult =
  | { ok: true; entries: number; firstSeq: number; lastSeq: number; message: string }
  | { ok: false; file: string; line: number; reason: string; message: string };

/** Parses a chain key given as hex (64 hex digits); undefined when malformed. */
export function parseChainKey(text: string): Uint8Array | undefined {
  const key = decodeHexStrict(text.trim());
  return key !== undefined && key.length === 32 ? key : undefined;
}

function failure(file: string, line: number, reason: string): AuditVerifyResult {
  return { ok: false, file, line, reason, message: `${file}:${line}: ${reason}` };
}

/** Verifies the files as one chain. */
export function verifyAuditFiles(input: AuditVerifyInput): AuditVerifyResult {
  const prefix = input.prefix ?? '';
  const lines: string[] = [];
  const origin: { file: string; line: number }[] = [];
  for (const file of input.files) {
    const fileLines = file.text.split('\n');
    // A complete file ends with '\n'; anything after the last newline is a partial line.
    if (fileLines.at(-1) === '') fileLines.pop();
    for (let i = 0; i < fileLines.length; i++) {
      const line = fileLines[i];
      if (prefix !== '' && !line.startsWith(prefix)) {
        return failure(
          file.name,
          i + 1,
          `line does not start with the device prefix ${JSON.stringify(prefix)}`,
        );
      }
      lines.push(line.slice(prefix.length));
      origin.push({ file: file.name, line: i + 1 });
    }
  }
  if (lines.length === 0) {
    return failure(input.files.at(-1)?.name ?? '(no file)', 1, 'no audit entries');
  }
  const result = verifyChain(lines, input.key);
  if (!result.ok) {
    const at = origin[result.line - 1] ?? origin[origin.length - 1];
    return failure(at.file, at.line, result.reason);
  }
  if (result.continuesEarlierChain && input.allowContinuation !== true) {
    const first = origin[0];
    return failure(
      first.file,
      first.line,
      `the chain starts at seq ${result.firstSeq}, not 1: entries before it are missing ` +
        '(removed lines; or give the older rotated files first, or -continued)',
    );
  }
  if (input.deviceSeq !== undefined && result.lastSeq < input.deviceSeq) {
    const last = origin[origin.length - 1];
    return failure(
      last.file,
      last.line,
      `the files end at seq ${result.lastSeq} but the device has written up to seq ${input.deviceSeq}: ` +
        `entries ${result.lastSeq + 1}..${input.deviceSeq} are missing at the end (truncated, or in a newer file not given)`,
    );
  }
  const continued = result.continuesEarlierChain ? ', continues an earlier file' : '';
  return {
    ok: true,
    entries: result.entries,
    firstSeq: result.firstSeq,
    lastSeq: result.lastSeq,
    message: `OK: ${result.entries} entries (seq ${result.firstSeq}..${result.lastSeq}${continued})`,
  };
}
