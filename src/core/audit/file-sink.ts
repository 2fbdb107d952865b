/**
 * The `file` audit device's sink: JSON lines appended to a file created with mode 0600.
 *
 * Sync policy (documented for operators): every entry is written to the OS (write(2) returned)
 * before its request proceeds, so a crash of the Arca process loses nothing it acknowledged. With
 * the device option `fsync = "true"` each write is also fdatasync'd, so a power loss loses nothing
 * either; lines that queue up while a write is in flight are coalesced into ONE write (and one
 * sync), so the cost per request falls as concurrency rises. Special paths: `stdout`, `discard`.
 *
 * Cost: a regular file is written with ONE `writeSync` per turn of the event loop for every line
 * queued in that turn (`setImmediate`), on the main thread: a page-cache write(2) costs ~6 µs of
 * CPU, where a `FileHandle.write` costs ~40 µs (a libuv thread-pool round trip, two wake-ups), and
 * that round trip, twice per request (request and response entries), halved reads at one
 * connection. Anything else (a FIFO, a character device — which can block for as long as its
 * reader stalls) keeps the asynchronous write, so the broker's write timeout still bounds it.
 */
import { writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { AuditSink } from './sink.js';

interface Pending {
  text: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Appends lines to a file with group commit. */
export class FileSink implements AuditSink {
  private handle: FileHandle | undefined;
  /** True when `handle` is a regular file: written synchronously (see the module comment). */
  private direct = false;
  private queue: Pending[] = [];
  private flushing = false;
  /** A `setImmediate` flush is pending (direct writes only). */
  private scheduled = false;
  private closed = false;

  private constructor(
    readonly filePath: string,
    private readonly fsync: boolean,
  ) {}

  /** Opens (creating with mode 0600) for append; rejects if the path is not writable. */
  static async open(filePath: string, options: { fsync: boolean; mode?: number }): Promise<FileSink> {
    const sink = new FileSink(filePath, options.fsync);
    if (filePath !== 'discard' && filePath !== 'stdout') {
      sink.handle = await open(filePath, 'a', options.mode ?? 0o600);
      sink.direct = await isRegularFile(sink.handle);
    }
    return sink;
  }

  /** How lines reach the file: `sync` (one write(2) per loop turn) or `async` (thread pool). */
  get writeMode(): 'sync' | 'async' {
    return this.direct ? 'sync' : 'async';
  }

  write(text: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('audit file sink is closed'));
    if (this.filePath === 'discard') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ text, resolve, reject });
      this.schedule();
    });
  }

  /** Starts a flush: at once for async writes, after this loop turn's I/O for direct ones. */
  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    if (!this.direct) {
      void this.flush();
      return;
    }
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        const text = batch.length === 1 ? batch[0].text : batch.map((p) => p.text).join('');
        try {
          if (this.filePath === 'stdout') {
            await new Promise<void>((resolve, reject) =>
              process.stdout.write(text, (err) => (err ? reject(err) : resolve())),
            );
          } else {
            const handle = this.handle;
            if (!handle) throw new Error('audit file is not open');
            if (this.direct) writeAllSync(handle.fd, text);
            else await handle.write(text);
            if (this.fsync) await handle.datasync();
          }
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err as Error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  async reopen(): Promise<void> {
    if (this.filePath === 'discard' || this.filePath === 'stdout') return;
    const next = await open(this.filePath, 'a', 0o600);
    const direct = await isRegularFile(next);
    const previous = this.handle;
    this.handle = next;
    this.direct = direct;
    await previous?.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}

async function isRegularFile(handle: FileHandle): Promise<boolean> {
  return (await handle.stat()).isFile();
}

/**
 * write(2) until all of `text` is written. The string goes to `writeSync` as it is (Node encodes
 * it without a Buffer on the JS heap); a regular file takes it whole, and the rest of a short write
 * is written from an encoded copy.
 */
function writeAllSync(fd: number, text: string): void {
  const written = writeSync(fd, text);
  const length = Buffer.byteLength(text, 'utf8');
  if (written >= length) return;
  const bytes = Buffer.from(text, 'utf8');
  let offset = written;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}
