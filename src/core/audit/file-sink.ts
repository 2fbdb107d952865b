/**
 * The `file` audit device's sink: JSON lines appended to a file created with mode 0600.
 *
 * Sync policy (documented for operators): every entry is written to the OS (write(2) returned)
 * before its request proceeds, so a crash of the Arca process loses nothing it acknowledged. With
 * the device option `fsync = "true"` each write is also fdatasync'd, so a power loss loses nothing
 * either; lines that queue up while a write is in flight are coalesced into ONE write (and one
 * sync), so the cost per request falls as concurrency rises. Special paths: `stdout`, `discard`.
 */
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
  private queue: Pending[] = [];
  private flushing = false;
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
    }
    return sink;
  }

  write(text: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('audit file sink is closed'));
    if (this.filePath === 'discard') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ text, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        const text = batch.map((p) => p.text).join('');
        try {
          if (this.filePath === 'stdout') {
            await new Promise<void>((resolve, reject) =>
              process.stdout.write(text, (err) => (err ? reject(err) : resolve())),
            );
          } else {
            const handle = this.handle;
            if (!handle) throw new Error('audit file is not open');
            await handle.write(text);
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
    const previous = this.handle;
    this.handle = next;
    await previous?.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
