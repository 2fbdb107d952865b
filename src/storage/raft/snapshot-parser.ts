/**
 * Incremental reader of the Raft storage snapshot format (see snapshot-format.ts): bytes are fed
 * in chunks of any size as they arrive (from the network or a file) and complete records come out
 * as soon as they are whole, so a snapshot of any size is read with memory bounded by one chunk
 * plus one record. The SHA-256 is computed on the way; `finish()` verifies it. A caller must not
 * make the records it got visible before `finish()` succeeds (stage them, then switch over).
 */
import { createHash, type Hash } from 'node:crypto';
import { ArcaError } from '../../lib/errors.js';
import { snapshotFormat } from './snapshot-format.js';

/** One record of a snapshot. */
export interface SnapshotRecord {
  key: string;
  value: Uint8Array;
}

/** Parses a snapshot stream chunk by chunk; see the module comment. */
export class SnapshotParser {
  private readonly hash: Hash = createHash('sha256');
  /** Bytes received but not yet consumed (a partial record, or the trailing checksum). */
  private pending: Buffer = Buffer.alloc(0);
  private headerSeen = false;
  private ended = false;
  private totalBytes = 0;

  constructor(private readonly recordBytesMax: number = 64 * 1024 * 1024) {}

  /** Bytes fed so far. */
  get receivedBytes(): number {
    return this.totalBytes;
  }

  /** Feeds `chunk`; returns the records it completed. `integrity_failure` when malformed. */
  push(chunk: Uint8Array): SnapshotRecord[] {
    this.totalBytes += chunk.length;
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    const records: SnapshotRecord[] = [];
    let at = 0;
    const buf = this.pending;
    if (!this.headerSeen) {
      const head = snapshotFormat.magic.length + 1;
      if (buf.length < head) return records;
      if (
        !buf.subarray(0, snapshotFormat.magic.length).equals(snapshotFormat.magic) ||
        buf[snapshotFormat.magic.length] !== snapshotFormat.version
      )
        throw damaged('unknown format');
      this.hash.update(buf.subarray(0, head));
      at = head;
      this.headerSeen = true;
    }
    while (!this.ended) {
      if (at + 4 > buf.length) break;
      const keyLength = buf.readUInt32BE(at);
      if (keyLength === snapshotFormat.endMarker) {
        this.hash.update(buf.subarray(at, at + 4));
        at += 4;
        this.ended = true;
        break;
      }
      if (keyLength > this.recordBytesMax) throw damaged('record too large');
      if (at + 4 + keyLength + 4 > buf.length) break;
      const valueLength = buf.readUInt32BE(at + 4 + keyLength);
      if (valueLength > this.recordBytesMax) throw damaged('record too large');
      const end = at + 8 + keyLength + valueLength;
      if (end > buf.length) break;
      this.hash.update(buf.subarray(at, end));
      const key = buf.toString('utf8', at + 4, at + 4 + keyLength);
      records.push({ key, value: Buffer.from(buf.subarray(at + 8 + keyLength, end)) });
      at = end;
    }
    this.pending = at === 0 ? buf : Buffer.from(buf.subarray(at));
    if (this.ended && this.pending.length > snapshotFormat.checksumBytes) throw damaged('trailing bytes');
    return records;
  }

  /** Verifies the end marker and checksum once every byte was fed. */
  finish(): void {
    if (!this.ended || this.pending.length !== snapshotFormat.checksumBytes) throw damaged('truncated');
    if (!this.hash.digest().equals(this.pending)) throw damaged('checksum mismatch');
  }
}

function damaged(why: string): ArcaError {
  return new ArcaError('integrity_failure', `raft snapshot is damaged: ${why}`);
}
