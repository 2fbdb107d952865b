/**
 * A server under benchmark in its own child process: spawn it, wait for the line that says where
 * it listens (and, for Arca's dev mode, the root token), stop it. Shared by the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A started child server. */
export interface Server {
  child: ChildProcess;
  port: number;
  token: string;
}

/** Spawns a server and waits (30 s at most) until `parse` has found its port and token. */
export function startChild(
  args: string[],
  parse: (line: string, acc: Partial<Server>) => void,
): Promise<Server> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const acc: Partial<Server> = { child };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server ${args.join(' ')} did not start in 30 s`));
    }, 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      parse(line, acc);
      if (acc.port !== undefined && acc.token !== undefined) {
        clearTimeout(timer);
        resolve(acc as Server);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
  });
}

/** SIGTERM, then SIGKILL after 10 s; resolves when the child has exited. */
export async function stopChild(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** An Arca dev server (in-memory storage) from the built CLI. */
export function startArca(): Promise<Server> {
  return startChild(
    ['dist/src/cli/main.js', 'server', '-dev', '-dev-listen-address=127.0.0.1:0', '-log-level=error'],
    (line, acc) => {
      const addr = /VAULT_ADDR='http:\/\/127\.0\.0\.1:(\d+)'/.exec(line);
      if (addr) acc.port = Number(addr[1]);
      const token = /^Root Token: (\S+)/.exec(line);
      if (token) acc.token = token[1];
    },
  );
}
