/**
 * Test helper: runs a real `arca server` process (the package bin, compiled) on 127.0.0.1 with an
 * ephemeral port, and stops it by its PID. Every start is bounded in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  child: ChildProcess;
  address: string;
  output: string[];
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL at once (a crash). */
  kill9(): Promise<void>;
}

/** Writes an HCL config with LevelDB storage under `dir` and a plain-HTTP listener on port 0. */
export async function writeLevelConfig(dir: string): Promise<string> {
  const file = join(dir, 'arca.hcl');
  await writeFile(
    file,
    `storage "leveldb" {\n  path = "${join(dir, 'data')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\nlog_level = "warn"\n`,
  );
  return file;
}

/** Starts `arca server` with `args` and resolves once it prints its address. */
export function startServerProcess(args: string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'server', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // A node child that inherits NODE_TEST_CONTEXT talks the test runner's protocol, not ours.
    env: { ...process.env, NODE_TEST_CONTEXT: undefined },
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`arca server did not start in 30 s:\n${output.join('\n')}`));
    }, 30_000);
    // `arca server` announces its address on stderr (stdout carries the dev banner and logs).
    const onLine = (line: string): void => {
      output.push(line);
      const match = /Arca server started on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          address: match[1],
          output,
          stop: () => stopWith('SIGTERM'),
          kill9: () => stopWith('SIGKILL'),
        });
      }
    };
    createInterface({ input: child.stderr }).on('line', onLine);
    createInterface({ input: child.stdout }).on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`arca server exited with ${code}:\n${output.join('\n')}`));
    });
  });
}
