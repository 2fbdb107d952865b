/**
 * On-disk layout of the Raft log store (one LevelDB database per node, binary keys and values).
 *
 * Keys: 'e' ‖ index (u64 big-endian, so LevelDB order = index order) → entry; 'h' → HardState;
 * 'm' → snapshot metadata; 's' / 't' → snapshot data (two slots, see
 * `snapshotDataSlotKeys`). Every value is a checked record: crc32 (u32 BE)
 * of the payload ‖ payload, so a torn or bit-rotten record is recognised instead of decoded into
 * nonsense. Entry, HardState and metadata payloads are msgpack; snapshot data is raw bytes behind
 * a 16-byte (index, term) prefix tying it to its metadata.
 */
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import type { Entry, HardState, SnapshotMeta } from '../../raft/types.js';

const packr = new Packr({ useRecords: false });

const entryTag = 0x65; // 'e'
/** Key of the HardState record. */
export const hardStateKey = Buffer.from('h');
/** Key of the snapshot metadata record. */
export const snapshotMetaKey = Buffer.from('m');
/**
 * Keys of the two snapshot data slots: one holds the current snapshot's data, the other is where
 * the next one is staged (written outside the log's critical path) before a small metadata write
 * makes it current. The data's (index, term) prefix names which slot is current.
 */
export const snapshotDataSlotKeys: readonly [Buffer, Buffer] = [Buffer.from('s'), Buffer.from('t')];
/** Smallest and one-past-largest entry keys (for range scans). */
export const entryKeyMin = entryKey(0);
export const entryKeyEnd = Buffer.from([entryTag + 1]);

/** The key of the entry at `index`. */
export function entryKey(index: number): Buffer {
  const key = Buffer.alloc(9);
  key[0] = entryTag;
  key.writeBigUInt64BE(BigInt(index), 1);
  return key;
}

/** The index named by an entry key, or undefined if `key` is not an entry key. */
export function indexOfEntryKey(key: Uint8Array): number | undefined {
  if (key.length !== 9 || key[0] !== entryTag) return undefined;
  return Number(Buffer.from(key.buffer, key.byteOffset, key.byteLength).readBigUInt64BE(1));
}

/** Wraps a payload in a checked record: crc32(payload) ‖ payload. */
export function checkedRecord(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(crc32(payload), 0);
  return Buffer.concat([header, payload]);
}

/** The payload of a checked record, or undefined when it is short or its checksum is wrong. */
export function openCheckedRecord(record: Uint8Array): Buffer | undefined {
  if (record.length < 4) return undefined;
  const view = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  const payload = view.subarray(4);
  return view.readUInt32BE(0) === crc32(payload) ? payload : undefined;
}

/** Encodes an entry as a checked record. */
export function encodeEntry(entry: Entry): Buffer {
  return checkedRecord(packr.pack([entry.term, entry.index, entry.type, entry.data]));
}

/** Decodes a checked entry record; undefined when the record is damaged or malformed. */
export function decodeEntry(record: Uint8Array): Entry | undefined {
  const payload = openCheckedRecord(record);
  if (payload === undefined) return undefined;
  try {
    const value: unknown = packr.unpack(payload);
    if (!Array.isArray(value) || value.length !== 4) return undefined;
    const [term, index, type, data] = value as unknown[];
    if (!isIndex(term) || !isIndex(index) || (type !== 0 && type !== 1) || !(data instanceof Uint8Array)) {
      return undefined;
    }
    return { term, index, type, data };
  } catch {
    return undefined;
  }
}

/** Encodes a HardState as a checked record. */
export function encodeHardState(state: HardState): Buffer {
  return checkedRecord(packr.pack({ term: state.term, vote: state.vote, commit: state.commit }));
}

/** Decodes a HardState record; undefined when damaged. */
export function decodeHardState(record: Uint8Array): HardState | undefined {
  const value = unpackChecked(record);
  if (!isRecord(value) || !isIndex(value.term) || typeof value.vote !== 'string' || !isIndex(value.commit)) {
    return undefined;
  }
  return { term: value.term, vote: value.vote, commit: value.commit };
}

/** Encodes snapshot metadata as a checked record. */
export function encodeSnapshotMeta(meta: SnapshotMeta): Buffer {
  return checkedRecord(
    packr.pack({
      index: meta.index,
      term: meta.term,
      confState: { voters: [...meta.confState.voters], learners: [...meta.confState.learners] },
    }),
  );
}

/** Decodes snapshot metadata; undefined when damaged. */
export function decodeSnapshotMeta(record: Uint8Array): SnapshotMeta | undefined {
  const value = unpackChecked(record);
  const conf = isRecord(value) ? value.confState : undefined;
  if (
    !isRecord(value) ||
    !isIndex(value.index) ||
    !isIndex(value.term) ||
    !isRecord(conf) ||
    !isStringArray(conf.voters) ||
    !isStringArray(conf.learners)
  ) {
    return undefined;
  }
  return {
    index: value.index,
    term: value.term,
    confState: { voters: conf.voters, learners: conf.learners },
  };
}

/** Encodes snapshot data with the (index, term) it belongs to. */
export function encodeSnapshotData(meta: SnapshotMeta, data: Uint8Array): Buffer {
  const prefix = Buffer.alloc(16);
  prefix.writeBigUInt64BE(BigInt(meta.index), 0);
  prefix.writeBigUInt64BE(BigInt(meta.term), 8);
  return checkedRecord(Buffer.concat([prefix, data]));
}

/** Decodes snapshot data; undefined when damaged or not belonging to `meta`. */
export function decodeSnapshotData(record: Uint8Array, meta: SnapshotMeta): Uint8Array | undefined {
  const payload = openCheckedRecord(record);
  if (payload === undefined || payload.length < 16) return undefined;
  if (Number(payload.readBigUInt64BE(0)) !== meta.index || Number(payload.readBigUInt64BE(8)) !== meta.term) {
    return undefined;
  }
  return payload.subarray(16);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unpackChecked(record: Uint8Array): unknown {
  const payload = openCheckedRecord(record);
  if (payload === undefined) return undefined;
  try {
    return packr.unpack(payload);
  } catch {
    return undefined;
  }
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
