/**
 * Teaches Node's HTTP/1.1 parser the `LIST` method by rewriting request method tokens in the byte
 * stream in front of it.
 *
 * Why: Node 20's llhttp has a fixed method table without `LIST` and answers `400 Bad Request`
 * (closing the connection) before any JS runs, yet Vault clients (the Go CLI, node-vault, hvac) send
 * `LIST`. There is no parser option or custom-method hook in `node:http`, and fastify can only route
 * methods in `http.METHODS`. So we rewrite, at the byte level, every request line's method:
 *
 *   `LIST` → `LINK` (a method llhttp knows and no Vault client uses; the app routes it as list)
 *   `LINK` → `UNLINK` (so a genuine `LINK` is never mistaken for a list; the app answers 405)
 *
 * Robustness: a rewrite is only safe at a request boundary, so this class tracks HTTP/1.1 request
 * framing exactly as the parser behind it will: request line, header block (CRLF or bare LF line
 * ends), then a body delimited by `Content-Length` or `Transfer-Encoding: chunked` (chunk-size lines
 * with extensions, chunk data, trailers), then the next request, for every request on a keep-alive or
 * pipelined connection, whatever the TCP segmentation (state survives chunk splits anywhere, even
 * inside the method token). Bytes are never buffered beyond the method token. Whenever the framing is
 * something the parser would reject (both CL and TE, duplicate or invalid CL, a non-chunked TE,
 * obsolete line folding, an oversized line) or `CONNECT`, the rewriter switches to pass-through for
 * the rest of the connection: it can then never rewrite inside a body, and llhttp answers the
 * malformed request itself (400/431) and closes the connection.
 *
 * Upgrades: the server never upgrades. An `Upgrade` header alone changes nothing (llhttp parses on
 * as usual). With `Connection: upgrade` as well, llhttp stops at the end of that request and Node
 * silently drops whatever else is in the same TCP chunk, then parses the next chunk as a fresh
 * request: where the next request starts then depends on segmentation. So after such a request the
 * rewriter forwards nothing more (`discard`) and the request is marked `closeAfter`: it is answered
 * normally and the connection is then closed.
 *
 * Every request line the rewriter forwards is recorded (`takeRequest`): the server checks that each
 * request llhttp delivers is the next recorded one (same method as forwarded, same target), and
 * destroys the connection otherwise. So any remaining disagreement about where a request starts
 * (pass-through included) cannot get a request served that the rewriter did not see start.
 *
 * Alternatives rejected: rewriting only the first bytes of a connection breaks the second request
 * on a keep-alive socket; a userland HTTP parser behind `serverFactory` would be a second HTTP/1.1
 * implementation (request smuggling risk, and fastify needs real IncomingMessage/ServerResponse);
 * `insecureHTTPParser` does not accept unknown methods. The tracker here only needs framing, which
 * llhttp enforces strictly anyway, and everything it does not fully understand ends rewriting.
 * Cost (npm run bench:http): ~1.5 µs per request in the rewriter; with rewriting on (list-aware-server.ts) a trivial
 * node:http handler serves ~0.94× the keep-alive request rate of a plain server (0.88× with the old Duplex wrapper).
 */

/** The method llhttp sees in place of `LIST`; the HTTP app routes it as a list request. */
export const listMarkerMethod = 'LINK';

/** What a genuine `LINK` request is rewritten to (an llhttp method the app does not route → 405). */
const genuineMarkerReplacement = 'UNLINK';

/** Longest method token we inspect; longer tokens are passed through unchanged (llhttp rejects them). */
const methodBytesMax = 32;
/** Longest header or chunk-size line we track; beyond it llhttp answers 431/400, we pass through. */
const lineBytesMax = 64 * 1024;
/** Most header lines per request we track (llhttp/Node limit 2000 by default). */
const headerBytesMax = 256 * 1024;

type State =
  | 'method'
  | 'request-line'
  | 'headers'
  | 'body-fixed'
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-data-end'
  | 'trailers'
  | 'passthrough'
  | 'discard';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

/** One request start as the rewriter forwarded it (see `ListMethodRewriter.takeRequest`). */
export interface ForwardedRequest {
  /** The method token llhttp was given (after rewriting). */
  method: string;
  /** The request target as written on the request line. */
  target: string;
  /** True when this request asked for a protocol upgrade: answer it, then close the connection. */
  closeAfter: boolean;
}

/** Incremental, per-connection rewriter. Feed it every chunk in order; it returns the bytes to parse. */
export class ListMethodRewriter {
  private state: State = 'method';
  private method: number[] = [];
  /** Pieces of a line split across chunks (header, chunk-size or trailer line), line end excluded. */
  private lineParts: Buffer[] = [];
  private lineBytes = 0;
  private headerBytes = 0;
  private headerLines: string[] = [];
  private remainingBodyBytes = 0;
  /** Set for a request llhttp will treat as an upgrade: nothing after its message is forwarded. */
  private discardAfterMessage = false;
  private pendingMethod = '';
  /** Request lines forwarded but not yet taken by the server (a handful at most: one TCP chunk's worth). */
  private readonly forwarded: ForwardedRequest[] = [];
  /** Number of request starts seen (for tests and diagnostics). */
  requestsSeen = 0;

  /**
   * The oldest forwarded request not yet taken, or undefined. The server calls this once per request
   * llhttp delivers and compares; a mismatch or undefined means the two disagree about framing.
   */
  takeRequest(): ForwardedRequest | undefined {
    return this.forwarded.shift();
  }

  /** True once the rewriter forwards nothing more (after an upgrade request). */
  get discarding(): boolean {
    return this.state === 'discard';
  }

  /** True once the rewriter stopped interpreting the stream (see the class comment). */
  get passthrough(): boolean {
    return this.state === 'passthrough';
  }

  /** Returns `chunk` with method tokens rewritten (a view of `chunk` when nothing changed). */
  transform(chunk: Buffer): Buffer {
    if (this.state === 'passthrough') return chunk;
    if (this.state === 'discard') return chunk.subarray(0, 0);
    const out: Buffer[] = [];
    let runStart = 0; // start of the current run of bytes forwarded verbatim
    let i = 0;
    while (i < chunk.length) {
      switch (this.state as State) {
        case 'method':
          if (i > runStart) out.push(chunk.subarray(runStart, i));
          i = this.consumeMethod(chunk, i, out);
          runStart = i;
          break;
        case 'request-line':
          i = this.consumeLine(chunk, i, (line) => this.onRequestLine(line));
          break;
        case 'headers':
        case 'trailers':
          i = this.consumeLine(chunk, i, (line) => this.onHeaderLine(line));
          break;
        case 'body-fixed':
        case 'chunk-data': {
          const take = Math.min(this.remainingBodyBytes, chunk.length - i);
          i += take;
          this.remainingBodyBytes -= take;
          if (this.remainingBodyBytes === 0) {
            if (this.state === 'body-fixed') this.onMessageComplete();
            else this.state = 'chunk-data-end';
          }
          break;
        }
        case 'chunk-size':
          i = this.consumeLine(chunk, i, (line) => this.onChunkSizeLine(line));
          break;
        case 'chunk-data-end':
          i = this.consumeLine(chunk, i, (line) => {
            this.state = line === '' ? 'chunk-size' : 'passthrough';
          });
          break;
        case 'passthrough':
          i = chunk.length;
          break;
        case 'discard':
          // Everything from here on is dropped: forward what came before, nothing after.
          if (i > runStart) out.push(chunk.subarray(runStart, i));
          runStart = i = chunk.length;
          break;
      }
    }
    if (i > runStart) out.push(chunk.subarray(runStart, i));
    if (out.length === 0) return chunk.subarray(0, 0);
    if (out.length === 1) return out[0].length === chunk.length ? chunk : out[0];
    // Usually the method was not rewritten: the pieces are the chunk again, so no copy is needed.
    return sameBytes(out, chunk) ? chunk : Buffer.concat(out);
  }

  /** Collects method-token bytes (held back, not forwarded) and emits the possibly rewritten token. */
  private consumeMethod(chunk: Buffer, start: number, out: Buffer[]): number {
    let i = start;
    while (i < chunk.length && this.state === 'method') {
      const byte = chunk[i];
      if (this.method.length === 0 && (byte === CR || byte === LF)) {
        out.push(chunk.subarray(i, i + 1)); // empty lines before a request line: forwarded as-is
        i++;
      } else if (byte === SP) {
        out.push(this.finishMethod()); // the space itself is forwarded as part of the request line
      } else {
        this.method.push(byte);
        i++;
        // llhttp methods are A-Z and '-': anything else is not a method we could rewrite, and
        // holding it back could stall a parser waiting for it (the HTTP/2 preface's "SM\r\n\r\n").
        const methodByte = (byte >= 0x41 && byte <= 0x5a) || byte === 0x2d;
        if (!methodByte || this.method.length > methodBytesMax) {
          out.push(Buffer.from(this.method));
          this.method = [];
          this.state = 'passthrough';
        }
      }
    }
    return i;
  }

  private finishMethod(): Buffer {
    const token = Buffer.from(this.method).toString('latin1');
    this.method = [];
    this.requestsSeen++;
    this.lineParts = [];
    this.lineBytes = 0;
    this.headerBytes = 0;
    this.headerLines = [];
    this.discardAfterMessage = false;
    this.state = 'request-line';
    if (token === 'CONNECT') {
      this.state = 'passthrough';
      return Buffer.from(token, 'latin1');
    }
    this.pendingMethod =
      token === 'LIST' ? listMarkerMethod : token === listMarkerMethod ? genuineMarkerReplacement : token;
    return Buffer.from(this.pendingMethod, 'latin1');
  }

  /** `line` is the request line after the method (it starts with the separating space or spaces). */
  private onRequestLine(line: string): void {
    const target = /^ +([^ ]*)/.exec(line)?.[1] ?? '';
    this.forwarded.push({ method: this.pendingMethod, target, closeAfter: false });
    this.state = 'headers';
  }

  /** The current message (headers and body) ended: the next byte starts a request, or is dropped. */
  private onMessageComplete(): void {
    this.state = this.discardAfterMessage ? 'discard' : 'method';
  }

  /** Scans to the end of a line; calls `onLine` (line end stripped) when complete. Returns the new index. */
  private consumeLine(chunk: Buffer, start: number, onLine: (line: string) => void): number {
    const lf = chunk.indexOf(LF, start);
    const end = lf === -1 ? chunk.length : lf;
    const segment = end - start;
    this.headerBytes += segment + 1;
    if (this.lineBytes + segment > lineBytesMax || this.headerBytes > headerBytesMax) {
      this.state = 'passthrough';
      return chunk.length;
    }
    if (lf === -1) {
      this.lineParts.push(Buffer.from(chunk.subarray(start, end))); // copy: the line continues later
      this.lineBytes += segment;
      return chunk.length;
    }
    let line = chunk.subarray(start, end);
    if (this.lineParts.length > 0) {
      line = Buffer.concat([...this.lineParts, line]);
      this.lineParts = [];
      this.lineBytes = 0;
    }
    const length = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
    onLine(line.toString('latin1', 0, length));
    return lf + 1;
  }

  private onHeaderLine(line: string): void {
    if (line !== '') {
      const first = line.charCodeAt(0);
      if (first === SP || first === HTAB) {
        this.state = 'passthrough'; // obsolete line folding: llhttp rejects it
        return;
      }
      this.headerLines.push(line);
      return;
    }
    if (this.state === 'trailers') {
      this.onMessageComplete();
      return;
    }
    this.onHeadersComplete();
  }

  private onHeadersComplete(): void {
    let contentLength: number | undefined;
    let transferEncoding: string | undefined;
    let upgrade = false;
    let connectionUpgrade = false;
    for (const line of this.headerLines) {
      const colon = line.indexOf(':');
      if (colon <= 0) {
        this.state = 'passthrough';
        return;
      }
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (contentLength !== undefined || !/^\d{1,15}$/.test(value)) {
          this.state = 'passthrough';
          return;
        }
        contentLength = Number(value);
      } else if (name === 'transfer-encoding') {
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
      } else if (name === 'upgrade') {
        upgrade = true;
      } else if (name === 'connection' && /upgrade/i.test(value)) {
        connectionUpgrade = true; // a superset of llhttp's token match: erring towards closing
      }
    }
    this.headerLines = [];
    if (upgrade && connectionUpgrade) {
      // llhttp stops after this message (see the class comment): answer it, then close.
      this.discardAfterMessage = true;
      const current = this.forwarded.at(-1);
      if (current) current.closeAfter = true;
    }
    if (transferEncoding !== undefined && contentLength !== undefined) {
      this.state = 'passthrough';
      return;
    }
    if (transferEncoding !== undefined) {
      const codings = transferEncoding.split(',').map((c) => c.trim().toLowerCase());
      if (codings[codings.length - 1] !== 'chunked') {
        this.state = 'passthrough';
        return;
      }
      this.state = 'chunk-size';
      return;
    }
    this.remainingBodyBytes = contentLength ?? 0;
    if (this.remainingBodyBytes > 0) this.state = 'body-fixed';
    else this.onMessageComplete();
  }

  private onChunkSizeLine(line: string): void {
    const match = /^([0-9a-fA-F]{1,15})[ \t]*(;.*)?$/.exec(line);
    if (!match) {
      this.state = 'passthrough';
      return;
    }
    const size = parseInt(match[1], 16);
    this.headerBytes = 0; // the header budget is per line block, not per body
    if (size === 0) {
      this.headerLines = [];
      this.state = 'trailers';
      return;
    }
    this.remainingBodyBytes = size;
    this.state = 'chunk-data';
  }
}

/** True when `pieces`, joined, are exactly the bytes of `chunk` (pieces that are views of it at their own offset need no compare). */
function sameBytes(pieces: Buffer[], chunk: Buffer): boolean {
  let offset = 0;
  for (const piece of pieces) {
    const end = offset + piece.length;
    if (end > chunk.length) return false;
    const isView = piece.buffer === chunk.buffer && piece.byteOffset === chunk.byteOffset + offset;
    if (!isView && !piece.equals(chunk.subarray(offset, end))) return false;
    offset = end;
  }
  return offset === chunk.length;
}
