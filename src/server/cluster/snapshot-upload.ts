/**
 * Snapshot uploads (`POST sys/storage/raft/snapshot[-force]`): the request body is streamed to a
 * file under the data directory as it arrives — never held in memory — and read through the
 * snapshot parser on the way, so when the upload ends we know whether its checksum verifies and
 * which wrapped root key (keyring) it carries, before anything is replaced. The HTTP layer only
 * passes JSON to core, so the upload is kept here under a random reference and core gets
 * `{snapshot_ref}`; the handler takes (and thereby removes) it. References are unguessable,
 * single use, and expire (their files are deleted), so one client cannot restore another's upload.
 * A damaged upload is kept as its error, revealed only to the authenticated handler.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Clock } from '../../lib/clock.js';
import { ArcaError } from '../../lib/errors.js';
import { wrappedRootKeyKey } from '../../storage/barrier/reserved-keys.js';
import { SnapshotParser } from '../../storage/raft/snapshot-parser.js';

const uploadTtlMs = 10 * 60_000;
const uploadsMax = 4;
/** The snapshot record of the wrapped root key (data records are `d<physical key>`). */
const wrappedRootKeyRecord = `d${wrappedRootKeyKey}`;

/** One received upload. */
export interface SnapshotUpload {
  /** The file holding the bytes as uploaded. */
  path: string;
  sizeBytes: number;
  /** The snapshot's wrapped root key record (undefined when it has none). */
  wrappedRootKey: Uint8Array | undefined;
  /** Why the upload cannot be restored (damaged, too large), if it cannot. */
  error?: ArcaError;
}

/** Pending uploads by reference, with their files. */
export class SnapshotUploads {
  private readonly uploads = new Map<string, { upload: SnapshotUpload; expiresAtMs: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly dir: string,
  ) {}

  /**
   * Streams `body` to a new file, verifying it on the way; at most `bytesMax` bytes are kept
   * (a larger body is drained and recorded as `payload_too_large`).
   */
  async receive(
    body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    bytesMax: number,
  ): Promise<SnapshotUpload> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const upload: SnapshotUpload = {
      path: join(this.dir, `${randomUUID()}.snap`),
      sizeBytes: 0,
      wrappedRootKey: undefined,
    };
    const file = createWriteStream(upload.path, { mode: 0o600 });
    const parser = new SnapshotParser();
    try {
      for await (const chunk of body) {
        if (upload.error !== undefined) continue; // drain: the client gets its answer after auth
        upload.sizeBytes += chunk.length;
        if (upload.sizeBytes > bytesMax) {
          upload.error = new ArcaError('payload_too_large', `snapshot larger than ${bytesMax} bytes`);
          continue;
        }
        try {
          for (const r of parser.push(chunk))
            if (r.key === wrappedRootKeyRecord) upload.wrappedRootKey = r.value;
        } catch (err) {
          upload.error =
            err instanceof ArcaError ? err : new ArcaError('integrity_failure', 'raft snapshot is damaged');
          continue;
        }
        if (!file.write(chunk)) await once(file, 'drain');
      }
      if (upload.error === undefined) {
        try {
          parser.finish();
        } catch (err) {
          upload.error =
            err instanceof ArcaError ? err : new ArcaError('integrity_failure', 'raft snapshot is damaged');
        }
      }
    } catch (err) {
      file.destroy();
      await rm(upload.path, { force: true });
      throw err; // the client went away mid-upload
    }
    file.end();
    await once(file, 'close');
    return upload;
  }

  /** Stores `upload`; returns the reference. At most `uploadsMax` are kept (oldest dropped). */
  put(upload: SnapshotUpload): string {
    this.expire();
    while (this.uploads.size >= uploadsMax) this.drop(this.uploads.keys().next().value as string);
    const ref = randomUUID();
    this.uploads.set(ref, { upload, expiresAtMs: this.clock.monotonicMs() + uploadTtlMs });
    return ref;
  }

  /** Removes and returns the upload (undefined when unknown or expired); the caller `discard`s it. */
  take(ref: string): SnapshotUpload | undefined {
    this.expire();
    const entry = this.uploads.get(ref);
    this.uploads.delete(ref);
    return entry?.upload;
  }

  /** Deletes an upload's file. */
  async discard(upload: SnapshotUpload): Promise<void> {
    await rm(upload.path, { force: true });
  }

  private drop(ref: string): void {
    const entry = this.uploads.get(ref);
    this.uploads.delete(ref);
    if (entry !== undefined) void this.discard(entry.upload);
  }

  private expire(): void {
    const now = this.clock.monotonicMs();
    for (const [ref, entry] of this.uploads) if (entry.expiresAtMs <= now) this.drop(ref);
  }
}
