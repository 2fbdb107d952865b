/**
 * A raw `net` HTTP/1.1 client for tests that must control the bytes on the wire (the LIST method,
 * keep-alive, pipelining, odd segmentation). Responses are parsed by Content-Length (the app always
 * sets it) so several responses on one connection can be separated.
 */
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits a byte stream holding complete HTTP responses. */
export function parseResponses(bytes: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const headerEnd = bytes.indexOf('\r\n\r\n', offset);
    if (headerEnd === -1) throw new Error(`incomplete response head at ${offset}`);
    const lines = bytes.subarray(offset, headerEnd).toString('latin1').split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (headers['transfer-encoding'] !== undefined) throw new Error('chunked responses not supported here');
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = headerEnd + 4;
    if (bodyStart + length > bytes.length) throw new Error(`incomplete response body at ${offset}`);
    out.push({ status, headers, body: bytes.subarray(bodyStart, bodyStart + length).toString('utf8') });
    offset = bodyStart + length;
  }
  return out;
}

/** An open connection that collects everything the server sends. */
export class RawConnection {
  private readonly received: Buffer[] = [];
  private readonly closed: Promise<void>;
  /** Emits 'change' on every chunk received and on close. */
  private readonly changes = new EventEmitter();
  private isClosed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      this.changes.emit('change');
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.changes.emit('change');
        resolve();
      }),
    );
    socket.on('error', () => undefined);
  }

  static async open(port: number, options: { tls?: boolean } = {}): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () =>
            resolve(new RawConnection(socket)),
          )
        : net.connect({ host: '127.0.0.1', port }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(data, (err) => (err ? reject(err) : resolve())),
    );
  }

  get bytes(): Buffer {
    return Buffer.concat(this.received);
  }

  /**
   * Waits until `count` complete responses arrived (re-checked on each chunk received) and
   * returns them; throws if the connection closes first or after `timeoutMs` (a bound for a broken
   * run, generous so a busy machine only makes it slower).
   */
  async waitForResponses(count: number, timeoutMs = 30_000): Promise<RawResponse[]> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      for (;;) {
        const changed = once(this.changes, 'change', { signal: deadline.signal });
        changed.catch(() => undefined); // rejected by the final abort when not awaited
        try {
          const responses = parseResponses(this.bytes);
          if (responses.length >= count) return responses;
        } catch {
          // incomplete: keep waiting
        }
        if (this.isClosed) throw new Error('connection closed');
        await changed;
      }
    } catch (err) {
      throw new Error(
        `waiting for ${count} responses: ${(err as Error).message}; got: ${this.bytes.toString('latin1')}`,
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
      deadline.abort();
    }
  }

  /** Waits (bounded) for the server to close the connection. */
  async waitForClose(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.closed,
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('connection not closed in time')), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Builds one request with a Content-Length body (or none). */
export function request(method: string, path: string, body?: string, extraHeaders: string[] = []): string {
  const headers = ['Host: 127.0.0.1', 'X-Vault-Token: hvs.raw', ...extraHeaders];
  if (body !== undefined)
    headers.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  return `${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

/** Builds one request with a chunked body split into the given pieces. */
export function chunkedRequest(
  method: string,
  path: string,
  pieces: string[],
  contentType = 'application/json',
): string {
  const chunks = pieces.map((piece) => `${Buffer.byteLength(piece).toString(16)}\r\n${piece}\r\n`).join('');
  return (
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\n` +
    `Transfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`
  );
}
