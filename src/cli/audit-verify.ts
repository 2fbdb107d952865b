/**
 * `arca audit verify`: checks the keyed hash chain of one or more audit files (given in rotation
 * order, oldest first) and names the first broken line as `<file>:<line>: <reason>`. Pure: the
 * command reads the files and the keys (or fetches them from the server with -device) and calls
 * this. A file written by several devices in turn (disable + re-enable on the same path) holds one
 * segment per device, each verified under its own key and linked to the one before it. With the
 * device's current key and seq it also detects entries (or a whole segment) cut from the END of
 * the newest file, which the chain alone cannot show.
 */
import { verifyChain } from '../lib/hash-chain.js';
import { constantTimeEqual, decodeHexStrict } from '../lib/bytes.js';

/** One audit file's name (for messages) and its full text. */
export interface AuditFileText {
  name: string;
  text: string;
}

export interface AuditVerifyInput {
  files: AuditFileText[];
  /** Chain keys (32 bytes each), any order: one per segment (device) that wrote the files. */
  keys: Uint8Array[];
  /** The device's `prefix` option, stripped from every line before checking. */
  prefix?: string;
  /**
   * The device currently writing the files (from sys/audit-chain): once it wrote anything, the
   * newest segment must be its own (same key) and reach at least its current seq.
   */
  device?: { key: Uint8Array; seq: number };
  /**
   * Earlier (disabled) devices of the files, from sys/audit-chain: their keys count as keys, and a
   * segment written under one must reach the seq that device had written when it was disabled —
   * so lines cut from a segment's end before the next device started still show.
   */
  retired?: { key: Uint8Array; seq: number }[];
  /**
   * Accept a first file that continues an earlier chain (its older rotated files are gone or not
   * given). Off by default: then the chain must start at seq 1, so a removed FIRST line shows.
   */
  allowContinuation?: boolean;
}

export type AuditVerifyResult =
  | { ok: true; entries: number; firstSeq: number; lastSeq: number; segments: number; message: string }
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
  const retired = input.retired ?? [];
  const keys = [...input.keys, ...retired.map((r) => r.key), ...(input.device ? [input.device.key] : [])];
  if (keys.length === 0) return failure(input.files[0]?.name ?? '(no file)', 1, 'no chain key given');
  const result = verifyChain(lines, keys);
  if (!result.ok) {
    const at = origin[result.line - 1] ?? origin[origin.length - 1];
    return failure(at.file, at.line, result.reason);
  }
  if (result.continuesEarlierChain && input.allowContinuation !== true) {
    const first = origin[0];
    return failure(
      first.file,
      first.line,
      result.firstSeq === 1
        ? 'the first entry commits to an earlier chain that is not in the files: entries or ' +
            'segments before it are missing (removed lines; or give the older files first, or -continued)'
        : `the chain starts at seq ${result.firstSeq}, not 1: entries before it are missing ` +
            '(removed lines; or give the older rotated files first, or -continued)',
    );
  }
  for (let s = 0; s < result.segments.length; s++) {
    const segment = result.segments[s];
    const end = retired.find((r) => constantTimeEqual(r.key, keys[segment.keyIndex]));
    if (end !== undefined && segment.lastSeq < end.seq) {
      const at = origin[segment.line + segment.entries - 2];
      return failure(
        at.file,
        at.line,
        `segment ${s + 1} ends at seq ${segment.lastSeq} but its device had written up to seq ${end.seq} ` +
          `when it was disabled: entries ${segment.lastSeq + 1}..${end.seq} were cut from its end`,
      );
    }
  }
  const device = input.device;
  if (device !== undefined && device.seq > 0) {
    const last = origin[origin.length - 1];
    const newest = result.segments[result.segments.length - 1];
    if (!constantTimeEqual(keys[newest.keyIndex], device.key)) {
      return failure(
        last.file,
        last.line,
        `the files end with segment ${result.segments.length}, written by an earlier device, but the ` +
          `current device has written seq 1..${device.seq}: its segment is missing at the end ` +
          '(truncated or removed, or in a newer file not given)',
      );
    }
    if (newest.lastSeq < device.seq) {
      return failure(
        last.file,
        last.line,
        `the files end at seq ${newest.lastSeq} but the device has written up to seq ${device.seq}: ` +
          `entries ${newest.lastSeq + 1}..${device.seq} are missing at the end (truncated, or in a newer file not given)`,
      );
    }
  }
  const continued = result.continuesEarlierChain ? ', continues an earlier file' : '';
  const count = result.segments.length;
  const range =
    count === 1
      ? `seq ${result.firstSeq}..${result.lastSeq}`
      : `${count} segments: ${result.segments.map((s) => `seq ${s.firstSeq}..${s.lastSeq}`).join(', ')}`;
  return {
    ok: true,
    entries: result.entries,
    firstSeq: result.firstSeq,
    lastSeq: result.lastSeq,
    segments: count,
    message: `OK: ${result.entries} entries (${range}${continued})`,
  };
}
