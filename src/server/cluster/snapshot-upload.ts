/**
 * Hands a snapshot upload's raw bytes to the `sys/storage/raft/snapshot` handler inside core. The
 * HTTP layer only passes JSON to core, so the gate keeps the body here under a random reference
 * and sends core `{snapshot_ref}`; the handler takes (and thereby removes) it. References are
 * unguessable, single use, and expire, so one client cannot restore another's upload.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';

const uploadTtlMs = 10 * 60_000;
const uploadsMax = 4;

/** Pending uploads by reference. */
export class SnapshotUploads {
  private readonly uploads = new Map<string, { bytes: Uint8Array; expiresAtMs: number }>();

  constructor(private readonly clock: Clock) {}

  /** Stores `bytes`; returns the reference. At most `uploadsMax` are kept (oldest dropped). */
  put(bytes: Uint8Array): string {
    this.expire();
    while (this.uploads.size >= uploadsMax) this.uploads.delete(this.uploads.keys().next().value as string);
    const ref = randomUUID();
    this.uploads.set(ref, { bytes, expiresAtMs: this.clock.monotonicMs() + uploadTtlMs });
    return ref;
  }

  /** Removes and returns the upload (undefined when unknown or expired). */
  take(ref: string): Uint8Array | undefined {
    this.expire();
    const entry = this.uploads.get(ref);
    this.uploads.delete(ref);
    return entry?.bytes;
  }

  private expire(): void {
    const now = this.clock.monotonicMs();
    for (const [ref, entry] of this.uploads) if (entry.expiresAtMs <= now) this.uploads.delete(ref);
  }
}
