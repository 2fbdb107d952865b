/**
 * A real `arca server -dev` process (port 0, its own HOME and TMPDIR) with a module preloaded by
 * `node --import`, for tests that observe a server process from inside (modules it loads, flags it
 * sets). `stop` kills it with the given signal, waits for its exit and removes its directory.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export interface DevProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stop: (signal: NodeJS.Signals) => Promise<void>;
}

export function spawnDevServer(preload: string, dirPrefix: string): DevProcess {
  const cliMain = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
  const home = mkdtempSync(join(tmpdir(), dirPrefix));
  const child = spawn(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(preload)}`,
      cliMain,
      'server',
      '-dev',
      '-dev-listen-address=127.0.0.1:0',
      '-log-level=error',
    ],
    { env: { ...process.env, HOME: home, TMPDIR: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    stop: async (signal) => {
      child.kill(signal);
      await exited;
      rmSync(home, { recursive: true, force: true });
    },
  };
}
