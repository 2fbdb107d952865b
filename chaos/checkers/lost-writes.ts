/**
 * Lost acknowledged writes: after every fault has healed, each node's copy of each register must
 * still hold every write the cluster acknowledged — the acknowledged version exists with the
 * acknowledged value and the current version is not behind it. A node that cannot be read at
 * the end is reported as unverified, not as passing; so is a version whose read failed every retry
 * (counted in `unreadableChecks`).
 */
import type { History } from '../history.js';

/** One lost write, with the ops and node involved. */
export interface LostWrite {
  opId: number;
  key: string;
  node: string;
  ackedVersion: number | undefined;
  ackedValue: string;
  /** What the node holds instead. */
  found: string;
}

/** Result of the check. */
export interface LostWriteResult {
  ackedWrites: number;
  lost: LostWrite[];
  /** Keys written and acknowledged for which no node delivered a final read. */
  unverifiedKeys: string[];
  /** (write, node) pairs not checked because the node's read of that version failed every retry. */
  unreadableChecks: number;
}

/** Compares every acknowledged write with every node's final reads. */
export function checkLostWrites(history: History): LostWriteResult {
  const finals = history.finals ?? [];
  const acked = history.ops.filter((o) => (o.f === 'write' || o.f === 'cas') && o.outcome === 'ok');
  const lost: LostWrite[] = [];
  const unverified = new Set<string>();
  let unreadableChecks = 0;
  for (const op of acked) {
    const reads = finals.filter((f) => f.key === op.key);
    if (reads.length === 0) {
      unverified.add(op.key);
      continue;
    }
    const value = op.value ?? '';
    const version = op.result?.version;
    for (const read of reads) {
      const base = { opId: op.id, key: op.key, node: read.node, ackedVersion: version, ackedValue: value };
      if (version !== undefined) {
        if (read.unreadable?.[String(version)] !== undefined) {
          unreadableChecks++;
        } else if (read.currentVersion < version) {
          lost.push({ ...base, found: `current version ${read.currentVersion} < acknowledged v${version}` });
        } else if (read.versions[String(version)] !== value) {
          lost.push({
            ...base,
            found: `v${version} holds ${JSON.stringify(read.versions[String(version)] ?? null)}`,
          });
        }
      } else if (!Object.values(read.versions).includes(value)) {
        lost.push({ ...base, found: `no version holds the value (current v${read.currentVersion})` });
      }
    }
  }
  return { ackedWrites: acked.length, lost, unverifiedKeys: [...unverified].sort(), unreadableChecks };
}
