/**
 * Frames on the decrypted stream: u32 BE length prefix + one msgpack value (`useRecords: false`, so
 * no shared structure state has to survive reconnects). The decoder checks the length prefix
 * against the frame limit BEFORE buffering the body, so a hostile or broken peer cannot make us
 * allocate more than `frameBytesMax`; every malformed input surfaces as a `FrameError` for the
 * caller to close the connection on, never as a crash.
 */
import { Packr } from 'msgpackr';

/** Bytes of the length prefix. */
export const frameHeaderBytes = 4;

/**
 * The codec for frames that are views into a received (up to 64 KiB) decrypted chunk:
 * `copyBuffers: true` makes decoded `bin` fields copies, so a retained small field never pins a
 * chunk shared with other frames.
 */
const packr = new Packr({ useRecords: false, copyBuffers: true });
/**
 * The codec for frames assembled into a buffer of their own (frames spanning chunks): `bin` fields
 * may be views of that buffer, which belongs to this one message anyway (saves a copy of big payloads).
 */
const packrOwnedBuffer = new Packr({ useRecords: false, copyBuffers: false });

/** A frame the decoder refused; the connection it came from must be closed. */
export class FrameError extends Error {
  override name = 'FrameError';
  constructor(
    readonly reason: 'frame_too_large' | 'frame_undecodable',
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** Encodes one value as a msgpack body (no prefix). Throws for values msgpack cannot carry. */
export function encodeBody(value: unknown): Buffer {
  return packr.pack(value);
}

/** The 4-byte length prefix for a body of `bodyBytes`. */
export function frameHeader(bodyBytes: number): Buffer {
  const header = Buffer.allocUnsafe(frameHeaderBytes);
  header.writeUInt32BE(bodyBytes, 0);
  return header;
}

/** A whole frame (prefix + body) in one buffer; convenient for small messages and tests. */
export function encodeFrame(value: unknown): Buffer {
  const body = encodeBody(value);
  return Buffer.concat([frameHeader(body.length), body]);
}

/**
 * Incremental decoder: feed it decrypted chunks in order, get whole values out in order. Holds at
 * most one partial frame (≤ `frameBytesMax` + header). After it throws, it must not be used again.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private expectedBodyBytes = -1;

  constructor(private readonly frameBytesMax: number) {}

  /** Bytes held for a partial frame. */
  get pendingBytes(): number {
    return this.bufferedBytes;
  }

  /** Appends a chunk and returns every value completed by it. Throws `FrameError` on bad input. */
  push(chunk: Uint8Array): unknown[] {
    if (chunk.byteLength === 0) return [];
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.bufferedBytes += chunk.byteLength;
    const values: unknown[] = [];
    for (;;) {
      if (this.expectedBodyBytes < 0) {
        if (this.bufferedBytes < frameHeaderBytes) break;
        const length = this.take(frameHeaderBytes).readUInt32BE(0);
        if (length > this.frameBytesMax) {
          throw new FrameError('frame_too_large', `frame of ${length} bytes exceeds ${this.frameBytesMax}`);
        }
        this.expectedBodyBytes = length;
      }
      if (this.bufferedBytes < this.expectedBodyBytes) break;
      const owned = (this.chunks[0]?.length ?? 0) < this.expectedBodyBytes;
      const body = this.take(this.expectedBodyBytes);
      this.expectedBodyBytes = -1;
      values.push(decodeBody(body, owned ? packrOwnedBuffer : packr));
    }
    return values;
  }

  /** Removes and returns the first `n` buffered bytes (a view when they sit in one chunk, else a new buffer). */
  private take(n: number): Buffer {
    this.bufferedBytes -= n;
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let offset = 0;
    while (offset < n) {
      const head = this.chunks[0];
      const used = Math.min(head.length, n - offset);
      head.copy(out, offset, 0, used);
      offset += used;
      if (used === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(used);
    }
    return out;
  }
}

function decodeBody(body: Buffer, codec: Packr): unknown {
  if (body.length === 0) throw new FrameError('frame_undecodable', 'empty frame');
  try {
    return codec.unpack(body);
  } catch (err) {
    // msgpackr's message may quote bytes of the body; keep only the error class.
    throw new FrameError('frame_undecodable', err instanceof Error ? err.name : 'decode error');
  }
}
