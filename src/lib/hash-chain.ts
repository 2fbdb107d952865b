/**
 * A keyed hash chain over text lines, for tamper-evident audit logs (beyond Vault). Each line is a
 * JSON object whose LAST key is `"chain":{"seq":N,"prev":"<hex>","mac":"<hex>"}` where
 * mac = HMAC-SHA256(key, `${seq}\n${prev}\n${body}`) and `body` is the exact line text without the
 * chain key. `prev` is the previous line's mac (64 zeros before the first entry of a chain).
 *
 * Without the key nobody can recompute a mac, so removing, inserting, reordering or editing a
 * line is detected by `verifyChain`. Truncating whole lines at the END of the last file cannot be
 * detected from the file alone: compare the last seq with the device's current seq for that.
 */
import { createHmac } from 'node:crypto';
import { constantTimeEqual } from './bytes.js';
import { Sha256Hmac } from './fast-hmac.js';

/** The chain fields of one line. */
export interface ChainLink {
  seq: number;
  prev: string;
  mac: string;
}

/** The mac before the first entry of a chain. */
export const genesisMac = '0'.repeat(64);

const chainMarker = ',"chain":{';

function computeMac(key: Uint8Array, seq: number, prev: string, body: string): string {
  return createHmac('sha256', key).update(`${seq}\n${prev}\n${body}`).digest('hex');
}

/**
 * Appends chain links to JSON lines. Not safe for concurrent use from several writers: one
 * writer per device, lines sealed in the order they are written.
 */
export class HashChainWriter {
  private seq: number;
  private prev: string;
  private readonly hmac: Sha256Hmac;

  /** `state` continues an existing chain (e.g. after a restart or a file rotation). */
  constructor(key: Uint8Array, state?: { seq: number; mac: string }) {
    this.seq = state?.seq ?? 0;
    this.prev = state?.mac ?? genesisMac;
    this.hmac = new Sha256Hmac(key);
  }

  /** Seals one JSON object text (must start with '{' and end with '}') into a chained line. */
  seal(bodyJson: string): string {
    if (!bodyJson.startsWith('{') || !bodyJson.endsWith('}') || bodyJson === '{}') {
      throw new Error('HashChainWriter.seal needs a non-empty JSON object text');
    }
    const seq = this.seq + 1;
    const prev = this.prev;
    const mac = this.hmac.hex(`${seq}\n${prev}\n${bodyJson}`);
    this.seq = seq;
    this.prev = mac;
    return `${bodyJson.slice(0, -1)}${chainMarker}"seq":${seq},"prev":"${prev}","mac":"${mac}"}}`;
  }

  /** The last sealed seq and mac (persist or read back from the file to continue the chain). */
  state(): { seq: number; mac: string } {
    return { seq: this.seq, mac: this.prev };
  }
}

/** Why a chain failed to verify, with the 1-based line number (across all inputs) where it broke. */
export interface ChainFailure {
  ok: false;
  line: number;
  reason: string;
}

/** A verified chain: how many entries and which seqs it covers. */
export interface ChainSuccess {
  ok: true;
  entries: number;
  firstSeq: number;
  lastSeq: number;
  lastMac: string;
  /** True when the first entry continues an earlier chain (rotated file) instead of starting one. */
  continuesEarlierChain: boolean;
}

/** Splits a chained line into its body and link; undefined if the line carries no valid link. */
export function parseChainedLine(line: string): { body: string; link: ChainLink } | undefined {
  const at = line.lastIndexOf(chainMarker);
  if (at < 0 || !line.endsWith('}}')) return undefined;
  const body = `${line.slice(0, at)}}`;
  const linkText = `{${line.slice(at + chainMarker.length, -1)}`;
  let link: unknown;
  try {
    link = JSON.parse(linkText);
  } catch {
    return undefined;
  }
  if (typeof link !== 'object' || link === null) return undefined;
  const { seq, prev, mac } = link as Record<string, unknown>;
  if (!Number.isSafeInteger(seq) || (seq as number) < 1) return undefined;
  if (typeof prev !== 'string' || !/^[0-9a-f]{64}$/.test(prev)) return undefined;
  if (typeof mac !== 'string' || !/^[0-9a-f]{64}$/.test(mac)) return undefined;
  return { body, link: { seq: seq as number, prev, mac } };
}

/**
 * Verifies lines (in file order, several files concatenated in rotation order). Blank lines are
 * not allowed inside a chain except a final empty string from a trailing newline. Reports the first
 * broken line: a removed line (seq gap), an inserted or edited line (bad mac), a reordered line
 * (seq not increasing by one) or a truncated/partial line (not a chained JSON object).
 */
export function verifyChain(lines: string[], key: Uint8Array): ChainSuccess | ChainFailure {
  let expectedSeq = 0;
  let prevMac = '';
  let firstSeq = 0;
  let entries = 0;
  let continues = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = i + 1;
    if (line === '' && i === lines.length - 1) break;
    const parsed = parseChainedLine(line);
    if (!parsed)
      return { ok: false, line: lineNo, reason: 'not a chained audit entry (truncated or edited line)' };
    const { body, link } = parsed;
    try {
      JSON.parse(`${body}`);
    } catch {
      return { ok: false, line: lineNo, reason: 'entry body is not valid JSON (edited line)' };
    }
    const expectedMac = computeMac(key, link.seq, link.prev, body);
    if (!constantTimeEqual(Buffer.from(expectedMac, 'hex'), Buffer.from(link.mac, 'hex'))) {
      return {
        ok: false,
        line: lineNo,
        reason: `entry seq ${link.seq} fails its mac (edited or forged line)`,
      };
    }
    if (entries === 0) {
      firstSeq = link.seq;
      continues = link.seq !== 1 || link.prev !== genesisMac;
      if (link.seq === 1 && link.prev !== genesisMac) {
        return { ok: false, line: lineNo, reason: 'first entry of a chain does not start from genesis' };
      }
    } else if (link.seq !== expectedSeq) {
      let reason: string;
      if (link.seq < expectedSeq) {
        reason = `entry seq ${link.seq} appears after seq ${expectedSeq - 1} (reordered or duplicated line)`;
      } else if (appearsLater(lines, i + 1, expectedSeq)) {
        reason = `entry seq ${link.seq} appears before seq ${expectedSeq} (reordered lines)`;
      } else {
        reason = `entries seq ${expectedSeq}..${link.seq - 1} are missing before this line (removed lines)`;
      }
      return { ok: false, line: lineNo, reason };
    } else if (link.prev !== prevMac) {
      return { ok: false, line: lineNo, reason: `entry seq ${link.seq} does not link to the previous entry` };
    }
    expectedSeq = link.seq + 1;
    prevMac = link.mac;
    entries++;
  }
  if (entries === 0) return { ok: false, line: 1, reason: 'no audit entries' };
  return {
    ok: true,
    entries,
    firstSeq,
    lastSeq: expectedSeq - 1,
    lastMac: prevMac,
    continuesEarlierChain: continues,
  };
}

/** Whether a line from `start` on carries chain seq `seq` (tells a reorder from a removal). */
function appearsLater(lines: string[], start: number, seq: number): boolean {
  for (let j = start; j < lines.length; j++) {
    if (parseChainedLine(lines[j])?.link.seq === seq) return true;
  }
  return false;
}
