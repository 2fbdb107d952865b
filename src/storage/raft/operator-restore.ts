/**
 * The proposer's side of a batched operator restore (RaftStorage.restoreSnapshot): the snapshot
 * is read twice — first verified whole (checksum) before anything is proposed, then its data
 * records are proposed as `restore-part` entries of about one snapshot chunk each between a
 * `restore-begin` and a `restore-commit` (command.ts, state-restore.ts), with at most a window of
 * parts in flight. Memory is bounded by the window, whatever the snapshot's size.
 */
import { limits } from '../../lib/limits.js';
import type { RestoreStep } from './command.js';
import { SnapshotParser } from './snapshot-parser.js';

/** What the restore needs from the storage. */
export interface RestoreProposer {
  /** Throws `not_leader` unless this member leads. */
  checkLeader(): void;
  /** Proposes one step; resolves once it is committed and applied here. */
  propose(step: RestoreStep): Promise<void>;
}

/** Verifies then proposes `source` (bytes, or a function opening a fresh stream of them). */
export async function proposeRestore(
  source: Uint8Array | (() => AsyncIterable<Uint8Array>),
  proposer: RestoreProposer,
): Promise<void> {
  const open = source instanceof Uint8Array ? () => chunksOf(source) : source;
  const verifier = new SnapshotParser();
  for await (const chunk of open()) verifier.push(chunk);
  verifier.finish(); // integrity_failure before anything is proposed
  proposer.checkLeader();
  await proposer.propose({ step: 'begin' });
  const inFlight: Promise<void>[] = [];
  const send = async (records: [string, Uint8Array][]): Promise<void> => {
    const proposed = proposer.propose({ step: 'part', records });
    proposed.catch(() => undefined); // awaited below, in order
    inFlight.push(proposed);
    if (inFlight.length >= limits.raftSnapshotWindowChunks) await inFlight.shift();
  };
  const parser = new SnapshotParser();
  let part: [string, Uint8Array][] = [];
  let partBytes = 0;
  for await (const chunk of open()) {
    for (const { key, value } of parser.push(chunk)) {
      if (!key.startsWith('d')) continue; // membership and dedupe are this cluster's
      part.push([key, value]);
      partBytes += key.length + value.length;
      if (partBytes >= limits.raftSnapshotChunkBytes) {
        await send(part);
        part = [];
        partBytes = 0;
      }
    }
  }
  parser.finish(); // the same bytes as verified; a source that changed is refused here
  if (part.length > 0) await send(part);
  for (const proposed of inFlight.splice(0)) await proposed;
  await proposer.propose({ step: 'commit' });
}

/** `bytes` in slices of one snapshot chunk. */
async function* chunksOf(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += limits.raftSnapshotChunkBytes)
    yield bytes.subarray(at, Math.min(bytes.length, at + limits.raftSnapshotChunkBytes));
}
