/**
 * A keyed hash chain over text lines, for tamper-evident audit logs (beyond Vault). Each line is a
 * JSON object whose LAST key is `"chain":{"seq":N,"prev":"<hex>","mac":"<hex>"}` where
 * mac = HMAC-SHA256(key, `${seq}\n${prev}\n${body}`) and `body` is the exact line text without the
 * chain key. `prev` is the previous line's mac: 64 zeros before the first entry of a chain in an
 * empty file, or the last mac already in the file when a new chain (a device re-enabled on the
 * same file, with a new key) starts a new SEGMENT there.
 *
 * Without the key nobody can recompute a mac, so removing, inserting, reordering or editing a
 * line, and removing, splicing or replaying a whole segment, is detected by `verifyChain` (given
 * the key of every segment). Truncating whole lines — or whole segments — at the END of the last
 * file cannot be detected from the file alone: compare the last segment's key and seq with the
 * device's current ones for that.
 */
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

/**
 * Appends chain links to JSON lines. Not safe for concurrent use from several writers: one
 * writer per device, lines sealed in the order they are written.
 */
export class HashChainWriter {
  private seq: number;
  private prev: string;
  private readonly hmac: Sha256Hmac;

  /**
   * `state` continues an existing chain (e.g. after a restart or a file rotation); `{seq: 0, mac}`
   * starts a new segment whose first entry commits to `mac` (see `chainStateAfter`).
   */
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

/** One segment: a run of entries written under one chain key, from its seq 1 (or a continuation). */
export interface ChainSegment {
  /** 1-based line (across all inputs) of the segment's first entry. */
  line: number;
  entries: number;
  firstSeq: number;
  lastSeq: number;
  lastMac: string;
  /** Index (in the keys given) of the key this segment verified under. */
  keyIndex: number;
}

/** A verified chain: how many entries and which seqs it covers. */
export interface ChainSuccess {
  ok: true;
  entries: number;
  /** First seq of the first segment. */
  firstSeq: number;
  /** Last seq of the last segment. */
  lastSeq: number;
  lastMac: string;
  /**
   * True when the first entry continues an earlier chain (rotated file) instead of starting one:
   * its seq is not 1, or it is a segment start committing to an earlier chain's last mac.
   */
  continuesEarlierChain: boolean;
  /** The segments in order (one per device that wrote to the file, oldest first). */
  segments: ChainSegment[];
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
 *
 * Segments: a device enabled on a file that already holds another chain starts a new chain (seq
 * 1, its own key) whose first `prev` is the last mac in the file (`chainStateAfter`). A seq-1
 * line after the first line therefore opens a new segment, which is accepted only if it verifies
 * under one of `keys` AND commits to the line just before it — so cutting the end of a segment,
 * removing a whole segment, splicing in or replaying a segment, or "starting a fresh chain" after
 * removed lines is each reported at the line where it shows.
 */
export function verifyChain(
  lines: string[],
  keys: Uint8Array | readonly Uint8Array[],
): ChainSuccess | ChainFailure {
  const hmacs = (keys instanceof Uint8Array ? [keys] : keys).map((k) => new Sha256Hmac(k));
  const segments: ChainSegment[] = [];
  let current: ChainSegment | undefined;
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
    if (current === undefined || link.seq === 1) {
      const keyIndex = hmacs.findIndex((h) => macMatches(h, link, body));
      if (keyIndex < 0)
        return { ok: false, line: lineNo, reason: unknownKeyReason(link, current, hmacs.length) };
      if (current !== undefined) {
        const broken = segmentJoinFailure(link, current, segments.length);
        if (broken !== undefined) return { ok: false, line: lineNo, reason: broken };
      }
      current = {
        line: lineNo,
        entries: 1,
        firstSeq: link.seq,
        lastSeq: link.seq,
        lastMac: link.mac,
        keyIndex,
      };
      segments.push(current);
      continue;
    }
    if (!macMatches(hmacs[current.keyIndex], link, body)) {
      return {
        ok: false,
        line: lineNo,
        reason: `entry seq ${link.seq} fails its mac (edited or forged line)`,
      };
    }
    const expectedSeq = current.lastSeq + 1;
    if (link.seq !== expectedSeq) {
      let reason: string;
      if (link.seq < expectedSeq) {
        reason = `entry seq ${link.seq} appears after seq ${expectedSeq - 1} (reordered or duplicated line)`;
      } else if (appearsLater(lines, i + 1, expectedSeq)) {
        reason = `entry seq ${link.seq} appears before seq ${expectedSeq} (reordered lines)`;
      } else {
        reason = `entries seq ${expectedSeq}..${link.seq - 1} are missing before this line (removed lines)`;
      }
      return { ok: false, line: lineNo, reason };
    }
    if (link.prev !== current.lastMac) {
      return { ok: false, line: lineNo, reason: `entry seq ${link.seq} does not link to the previous entry` };
    }
    current.entries += 1;
    current.lastSeq = link.seq;
    current.lastMac = link.mac;
  }
  const first = segments[0];
  const last = segments.at(-1);
  if (first === undefined || last === undefined) return { ok: false, line: 1, reason: 'no audit entries' };
  // The first entry read: does it start a chain from genesis, or continue/commit to an earlier one?
  const firstLink = parseChainedLine(lines[first.line - 1]) as { link: ChainLink };
  return {
    ok: true,
    entries: segments.reduce((n, s) => n + s.entries, 0),
    firstSeq: first.firstSeq,
    lastSeq: last.lastSeq,
    lastMac: last.lastMac,
    continuesEarlierChain: firstLink.link.seq !== 1 || firstLink.link.prev !== genesisMac,
    segments,
  };
}

/**
 * The chain position a writer with `key` should take after `last`, the last chained line already
 * in its file: its own line → continue that chain (restart, unseal); another chain's line (a
 * device re-enabled on the same file, with a new key) → start a new segment at seq 1 whose first
 * entry commits to that line's mac; nothing → a fresh chain from genesis.
 */
export function chainStateAfter(
  key: Uint8Array,
  last: { body: string; link: ChainLink } | undefined,
): { seq: number; mac: string } | undefined {
  if (last === undefined) return undefined;
  if (macMatches(new Sha256Hmac(key), last.link, last.body))
    return { seq: last.link.seq, mac: last.link.mac };
  return { seq: 0, mac: last.link.mac };
}

function macMatches(hmac: Sha256Hmac, link: ChainLink, body: string): boolean {
  const expected = hmac.hex(`${link.seq}\n${link.prev}\n${body}`);
  return constantTimeEqual(Buffer.from(expected, 'hex'), Buffer.from(link.mac, 'hex'));
}

/** Why a line that should open a segment verifies under none of the keys. */
function unknownKeyReason(link: ChainLink, current: ChainSegment | undefined, keyCount: number): string {
  if (current !== undefined && link.seq === 1) {
    return (
      'a new chain segment starts here (seq 1) but fails its mac under every key given ' +
      '(forged line, or the key of the device that wrote it was not given)'
    );
  }
  return keyCount === 1
    ? `entry seq ${link.seq} fails its mac (edited or forged line, or the wrong key)`
    : `entry seq ${link.seq} fails its mac under every key given (edited or forged line, or its segment's key was not given)`;
}

/** Why a new segment (seq 1, authentic) may not follow `previous` here; undefined when it may. */
function segmentJoinFailure(link: ChainLink, previous: ChainSegment, count: number): string | undefined {
  if (link.prev === previous.lastMac) return undefined;
  const where = `seq ${previous.lastSeq} of segment ${count}`;
  if (link.prev === genesisMac) {
    return (
      `a chain starting from genesis appears after ${where}: a replayed or spliced segment, ` +
      'or lines removed before a pretended fresh start'
    );
  }
  return (
    `segment ${count + 1} does not commit to the entry before it (${where}): entries cut from the ` +
    `end of segment ${count}, a whole segment removed, or a segment spliced in from another file`
  );
}

/** Whether a line from `start` on carries chain seq `seq` (tells a reorder from a removal). */
function appearsLater(lines: string[], start: number, seq: number): boolean {
  for (let j = start; j < lines.length; j++) {
    if (parseChainedLine(lines[j])?.link.seq === seq) return true;
  }
  return false;
}
