/**
 * One `arca server` process the harness owns: started from the compiled CLI with libfaketime
 * preloaded (when available) so the harness can move the wall clock the process reads, killed
 * with SIGKILL, frozen with SIGSTOP/SIGCONT, always by its own PID. Output goes to a log file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const cliMain = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

/** Where Debian's `faketime` package puts the preload library. */
export const faketimeLibraries = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
];

/** The libfaketime preload library, if installed. */
export function findFaketime(): string | undefined {
  return faketimeLibraries.find((p) => existsSync(p));
}

/**
 * The libfaketime timestamp-file spec that makes a process started `sinceSpawnMs` ago read a wall
 * clock `offsetMs` ahead from now on, running at `rate` (libfaketime scales the time since the
 * process started, so the offset written compensates for it). The rate is always written, x1
 * included: libfaketime keeps the last rate it parsed when a later spec has none, so a clock
 * "reset" to "+0" after a drift kept drifting (found when the gameday's clocks ended tens of
 * seconds off after their drifts had been healed; faketime-spec.test.ts).
 */
export function faketimeSpec(offsetMs: number, rate: number, sinceSpawnMs: number): string {
  const seconds = (rate === 1 ? offsetMs : offsetMs - (rate - 1) * sinceSpawnMs) / 1000;
  return `${seconds >= 0 ? '+' : ''}${seconds.toFixed(3)} x${rate.toFixed(4)}`;
}

/** A node process that can be killed and restarted with the same config. */
export class NodeProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  paused = false;
  /** Wall-clock offset currently injected (ms). */
  offsetMs = 0;
  /** Wall-clock rate currently injected (1 = normal). */
  rate = 1;
  /** Harness monotonic time of the last spawn (libfaketime applies a rate from process start). */
  private spawnedAtMs = 0;

  constructor(
    readonly id: string,
    private readonly configFile: string,
    private readonly logFile: string,
    /** The libfaketime control file (its content is the offset, e.g. "+1.5"). */
    private readonly clockFile: string,
    private readonly faketime: string | undefined,
  ) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process; resolves when it announces its listener (bounded by `timeoutMs`). */
  async start(timeoutMs = 180_000): Promise<void> {
    const env: Record<string, string | undefined> = { ...process.env, NODE_TEST_CONTEXT: undefined };
    if (this.faketime !== undefined) {
      Object.assign(env, {
        LD_PRELOAD: this.faketime,
        FAKETIME_TIMESTAMP_FILE: this.clockFile,
        FAKETIME_NO_CACHE: '1',
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
      });
    }
    this.rate = 1;
    await this.writeClock();
    this.spawnedAtMs = performance.now();
    const child = spawn(process.execPath, [cliMain, 'server', `-config=${this.configFile}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    this.child = child;
    this.paused = false;
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.exited = new Promise((r) => child.once('exit', () => r()));
    void this.exited.then(() => log.end());
    await new Promise<void>((resolveStart, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${this.id} did not start within ${timeoutMs} ms (see ${this.logFile})`));
      }, timeoutMs);
      const lastLines: string[] = [];
      const onLine = (line: string): void => {
        log.write(`${line}\n`);
        lastLines.push(line);
        if (lastLines.length > 8) lastLines.shift();
        if (/Arca server started on /.test(line)) {
          clearTimeout(timer);
          resolveStart();
        }
      };
      createInterface({ input: child.stdout }).on('line', onLine);
      createInterface({ input: child.stderr }).on('line', onLine);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        // The log may be gone by the time anyone looks (tests remove their directories): quote it.
        const tail = lastLines.map((l) => `\n  | ${l}`).join('');
        reject(
          new Error(`${this.id} exited (${code ?? signal}) before starting (see ${this.logFile})${tail}`),
        );
      });
    });
  }

  /** SIGKILL; resolves when the process is gone. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    if (this.paused) this.child!.kill('SIGCONT');
    this.child!.kill('SIGKILL');
    await this.exited;
    this.paused = false;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    if (this.paused) this.resume();
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGSTOP: the process freezes (timers, sockets, everything). */
  pause(): void {
    if (!this.running || this.paused) return;
    this.child!.kill('SIGSTOP');
    this.paused = true;
  }

  /** SIGCONT. */
  resume(): void {
    if (!this.running || !this.paused) return;
    this.child!.kill('SIGCONT');
    this.paused = false;
  }

  /** Sets the wall-clock offset the process reads from now on (libfaketime re-reads the file); rate 1. */
  async setClockOffset(offsetMs: number): Promise<void> {
    this.offsetMs = offsetMs;
    this.rate = 1;
    await this.writeClock();
  }

  /**
   * Makes the wall clock run at `rate` from now on, continuing from the current offset (no step).
   * libfaketime scales the time elapsed since the process started (`+off xRATE`), so the offset
   * written compensates for that: off = offset − (rate − 1) · (now − start). The start is the
   * harness's spawn time, a few ms before libfaketime's own, so the switch may step the clock by
   * (rate − 1) times that difference. Returns a function giving the injected offset at any time.
   */
  async setClockDrift(rate: number): Promise<() => number> {
    const from = performance.now();
    const base = this.offsetMs;
    this.rate = rate;
    await this.writeClock();
    return () => base + (rate - 1) * (performance.now() - from);
  }

  private async writeClock(): Promise<void> {
    const spec = faketimeSpec(this.offsetMs, this.rate, performance.now() - this.spawnedAtMs);
    await writeFile(this.clockFile, `${spec}\n`);
  }
}
