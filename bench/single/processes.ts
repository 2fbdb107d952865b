/**
 * Child processes of `bench:single`: spawn one, wait (bounded) for the line that says it is ready,
 * and stop it by PID (SIGTERM, SIGKILL after a grace period, give up after a hard bound), plus a
 * free loopback port for servers that cannot report the port they bound. Every process started
 * here is registered so that `stopAll` can stop what is left when the bench fails or is interrupted.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
export { freePort } from '../../src/lib/free-port.js';

const running = new Set<ChildProcess>();

/** Spawns `command` and registers it for `stopAll`; stderr (and stdout) tails are kept for errors. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/**
 * Resolves with the first stdout/stderr line for which `ready` returns a value; rejects when the
 * process exits first or after `timeoutMs` (then the process is killed).
 */
export function waitForLine<T>(
  child: ChildProcess,
  ready: (line: string) => T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const tail: string[] = [];
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (err: Error | undefined, value?: T): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new Error(`${what} not ready after ${timeoutMs} ms:\n${tail.join('\n')}`));
    }, timeoutMs);
    const onLine = (line: string): void => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      const value = ready(line);
      if (value !== undefined) finish(undefined, value);
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', onLine);
    child.once('exit', (code, signal) =>
      finish(new Error(`${what} exited (${code ?? signal}) before it was ready:\n${tail.join('\n')}`)),
    );
  });
}

/**
 * Stops `child` by its PID: SIGTERM, SIGKILL after `graceMs`, and resolves at the latest
 * `graceMs + 5 s` later even if the kernel never reports the exit (then it says so).
 */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
  let bound: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<boolean>((resolve) => {
    bound = setTimeout(() => resolve(false), graceMs + 5_000);
  });
  const ok = await Promise.race([exited, gaveUp]);
  clearTimeout(kill);
  clearTimeout(bound);
  if (!ok) console.error(`warning: process ${pid} did not exit after SIGKILL`);
}

/** Stops every process this module started that is still running (in parallel, bounded). */
export async function stopAll(graceMs = 5_000): Promise<void> {
  await Promise.all([...running].map((child) => stopProcess(child, graceMs)));
}
