/**
 * What Raft storage hands the Raft core as a snapshot's `data`: a small reference, never the
 * state itself. The state store IS the snapshot (its records as stored), so the core never holds,
 * persists or chunks the state in memory:
 *
 * - `local`: this member's own state store, durable (synced) through the snapshot's index. A
 *   leader streams it to a follower from a LevelDB iterator (snapshot-stream.ts).
 * - `staged`: a snapshot received from the leader and fully written (and its checksum verified)
 *   into staging area `id` of the state store; installing it is one atomic switch.
 *
 * Encoding: magic `ARCAREF1` ‖ utf8 JSON. Anything without the magic is legacy whole-snapshot
 * bytes (the snapshot format), which the state store still installs, in bounded batches.
 */

/** A decoded snapshot reference. */
export type SnapshotRef = { kind: 'local' } | { kind: 'staged'; id: string };

const magic = Buffer.from('ARCAREF1', 'ascii');

/** Encodes a reference as snapshot data. */
export function encodeSnapshotRef(ref: SnapshotRef): Uint8Array {
  return Buffer.concat([magic, Buffer.from(JSON.stringify(ref), 'utf8')]);
}

/** The reference `data` carries, or undefined when it is not one (legacy snapshot bytes). */
export function decodeSnapshotRef(data: Uint8Array): SnapshotRef | undefined {
  if (data.length < magic.length || data.length > 256) return undefined;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!bytes.subarray(0, magic.length).equals(magic)) return undefined;
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8', magic.length));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const value = parsed as Record<string, unknown>;
    if (value['kind'] === 'local') return { kind: 'local' };
    const id = value['id'];
    if (value['kind'] === 'staged' && typeof id === 'string' && /^[0-9a-f]{8,32}$/.test(id))
      return { kind: 'staged', id };
  } catch {
    // not a reference
  }
  return undefined;
}
