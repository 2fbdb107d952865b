/**
 * The wire form of streamed InstallSnapshot (snapshot-stream.ts). Stream traffic rides the Raft
 * transport as MsgSnap (leader → follower data) and MsgSnapResp (follower → leader control)
 * messages marked by `context` = `ASNP` ‖ streamId u32 ‖ kind u8, so it needs no channel of its
 * own and passes the transport's shape check and sender authentication like any Raft message. The
 * Raft core never sees a marked message: the stream layer consumes it on both ends.
 */
import type { Message, NodeId, SnapshotMeta } from '../../raft/types.js';

/** What a marked message says. */
export const enum StreamKind {
  /** Leader → follower: bytes at `snapshot.offset`; `snapshot.done` after the last byte. */
  Data = 0,
  /** Follower → leader: `rejectHint` bytes received in order (`reject`: resend from there). */
  Ack = 1,
  /** Follower → leader: installed into staging and handed to Raft; the stream is over. */
  Complete = 2,
  /** Follower → leader: unknown or failed stream; start a new one. */
  Restart = 3,
}

const marker = Buffer.from('ASNP', 'ascii');
const markerBytes = marker.length + 5;

/** The stream id and kind of a marked message, or undefined for an ordinary Raft message. */
export function streamMarkOf(m: Message): { streamId: number; kind: StreamKind } | undefined {
  const c = m.context;
  if (c === undefined || c.length !== markerBytes || (m.type !== 'MsgSnap' && m.type !== 'MsgSnapResp'))
    return undefined;
  const b = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  if (!b.subarray(0, marker.length).equals(marker)) return undefined;
  const kind = b[marker.length + 4];
  if (kind > (StreamKind.Restart as number)) return undefined;
  return { streamId: b.readUInt32BE(marker.length), kind: kind as StreamKind };
}

function mark(streamId: number, kind: StreamKind): Uint8Array {
  const b = Buffer.alloc(markerBytes);
  marker.copy(b, 0);
  b.writeUInt32BE(streamId >>> 0, marker.length);
  b[marker.length + 4] = kind;
  return b;
}

const blank = { logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 };

/** One data chunk of stream `streamId`. */
export function dataMessage(
  from: NodeId,
  to: NodeId,
  term: number,
  streamId: number,
  meta: SnapshotMeta,
  transferId: number,
  offset: number,
  data: Uint8Array,
  done: boolean,
): Message {
  return {
    ...blank,
    type: 'MsgSnap',
    from,
    to,
    term,
    context: mark(streamId, StreamKind.Data),
    snapshot: { meta, transferId, offset, totalBytes: offset + data.length, data, done },
  };
}

/** A control message of stream `streamId` about snapshot `index`. */
export function controlMessage(
  from: NodeId,
  to: NodeId,
  term: number,
  streamId: number,
  kind: StreamKind,
  index: number,
  receivedBytes = 0,
  reject = false,
): Message {
  return {
    ...blank,
    type: 'MsgSnapResp',
    from,
    to,
    term,
    index,
    reject,
    rejectHint: receivedBytes,
    context: mark(streamId, kind),
  };
}
