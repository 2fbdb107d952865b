/**
 * The Raft storage snapshot format: the state store's records as stored (barrier ciphertext and
 * metadata; nothing plaintext), written as a stream and checksummed.
 *
 * Layout: magic `ARCASNAP` ‖ version u8 (=1) ‖ records ‖ end marker u32 0xffffffff ‖ SHA-256 of
 * every byte before it. A record is keyLength u32 ‖ key utf8 ‖ valueLength u32 ‖ value (big-endian).
 * A reader verifies the checksum before yielding anything, so a damaged snapshot is refused whole.
 */
import { createHash } from 'node:crypto';
import { ArcaError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';

const magic = Buffer.from('ARCASNAP', 'ascii');
const formatVersion = 1;
const endMarker = 0xffffffff;
const checksumBytes = 32;
/** Records read from LevelDB per iterator step. */
const recordsPerStep = 256;

/** The format's constants (for the incremental reader, snapshot-parser.ts). */
export const snapshotFormat = { magic, version: formatVersion, endMarker, checksumBytes } as const;

/** The iterator shape the writer consumes (a `level` entry iterator). */
export interface RecordIterator {
  nextv(size: number): Promise<[string, Uint8Array][]>;
  close(): Promise<void>;
}

/**
 * Streams the records of `iterator` in the snapshot format, in chunks of about
 * `limits.raftSnapshotChunkBytes`; closes the iterator when done or abandoned.
 */
export async function* snapshotWriter(iterator: RecordIterator): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  let parts: Buffer[] = [];
  let size = 0;
  const push = (part: Buffer): void => {
    hash.update(part);
    parts.push(part);
    size += part.length;
  };
  const take = (): Buffer => {
    const out = Buffer.concat(parts);
    parts = [];
    size = 0;
    return out;
  };
  try {
    push(Buffer.concat([magic, Buffer.from([formatVersion])]));
    for (;;) {
      const rows = await iterator.nextv(recordsPerStep);
      if (rows.length === 0) break;
      for (const [key, value] of rows) {
        const keyBytes = Buffer.from(key, 'utf8');
        const head = Buffer.alloc(4);
        head.writeUInt32BE(keyBytes.length, 0);
        const valueHead = Buffer.alloc(4);
        valueHead.writeUInt32BE(value.length, 0);
        push(head);
        push(keyBytes);
        push(valueHead);
        push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
      if (size >= limits.raftSnapshotChunkBytes) yield take();
    }
    const end = Buffer.alloc(4);
    end.writeUInt32BE(endMarker, 0);
    push(end);
    parts.push(hash.digest());
    yield take();
  } finally {
    await iterator.close();
  }
}

/** Verifies and parses a whole snapshot; `integrity_failure` if it is damaged or malformed. */
export function snapshotReader(data: Uint8Array): { key: string; value: Uint8Array }[] {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const headBytes = magic.length + 1;
  if (bytes.length < headBytes + 4 + checksumBytes) throw damaged('too short');
  const body = bytes.subarray(0, bytes.length - checksumBytes);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(bytes.subarray(bytes.length - checksumBytes))) throw damaged('checksum mismatch');
  if (!body.subarray(0, magic.length).equals(magic) || body[magic.length] !== formatVersion)
    throw damaged('unknown format');
  const records: { key: string; value: Uint8Array }[] = [];
  let at = headBytes;
  for (;;) {
    if (at + 4 > body.length) throw damaged('truncated');
    const keyLength = body.readUInt32BE(at);
    at += 4;
    if (keyLength === endMarker) break;
    if (at + keyLength + 4 > body.length) throw damaged('truncated key');
    const key = body.toString('utf8', at, at + keyLength);
    at += keyLength;
    const valueLength = body.readUInt32BE(at);
    at += 4;
    if (at + valueLength > body.length) throw damaged('truncated value');
    records.push({ key, value: Buffer.from(body.subarray(at, at + valueLength)) });
    at += valueLength;
  }
  if (at !== body.length) throw damaged('trailing bytes');
  return records;
}

function damaged(why: string): ArcaError {
  return new ArcaError('integrity_failure', `raft snapshot is damaged: ${why}`);
}
