/**
 * A real PostgreSQL server for the database engine's tests: a fresh cluster (initdb) in a temporary
 * directory, listening on 127.0.0.1 on a free port, password (SCRAM) authentication over TCP so a
 * wrong password really fails. initdb and postgres refuse to run as root, so when the tests run as
 * root the server runs as the `postgres` user (setpriv execs, so the PID we hold is the server's).
 * Readiness is polled with a bound; `stop` signals that PID and waits for its exit event.
 *
 * Binaries: `ARCA_PG_BIN`, else the newest /usr/lib/postgresql/<v>/bin, else `initdb` on PATH.
 * When none is found, `findPostgresBinDir` returns undefined: tests skip with a message locally,
 * and FAIL when `ARCA_REQUIRE_POSTGRES=1` (set by .ci/run, which installs PostgreSQL).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pollUntil } from '../../src/lib/poll.js';
import { freePort } from '../../src/lib/free-port.js';

/** The superuser's name and initial password in every test cluster. */
export const pgSuperuser = 'postgres';
export const pgSuperuserPassword = 'test-root-password';

/** The directory holding initdb and postgres, or undefined when PostgreSQL is not installed. */
export function findPostgresBinDir(): string | undefined {
  const fromEnv = process.env.ARCA_PG_BIN;
  if (fromEnv !== undefined && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(base, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const initdb = which.stdout.trim();
  if (which.status === 0 && initdb !== '') {
    const dir = initdb.slice(0, initdb.lastIndexOf('/'));
    if (existsSync(join(dir, 'postgres'))) return dir;
  }
  return undefined;
}

/**
 * Why the PostgreSQL tests cannot run here, or undefined when they can. Throws in CI
 * (`ARCA_REQUIRE_POSTGRES=1`): a CI run must not pass by skipping them.
 */
export function postgresSkipReason(): string | undefined {
  if (findPostgresBinDir() !== undefined) return undefined;
  if (process.env.ARCA_REQUIRE_POSTGRES === '1') {
    throw new Error('PostgreSQL is required (ARCA_REQUIRE_POSTGRES=1) but initdb/postgres were not found');
  }
  return 'PostgreSQL is not installed (no initdb): apt-get install postgresql, or set ARCA_PG_BIN';
}

const asRoot = process.getuid?.() === 0;

/** Servers still running: killed if the test process exits without stopping them (a crash). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Runs a PostgreSQL binary, as the postgres user when we are root. */
function command(bin: string, args: string[]): [string, string[]] {
  if (!asRoot) return [bin, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', bin, ...args]];
}

/** A running test cluster. */
export class TestPostgres {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  private constructor(
    private readonly binDir: string,
    readonly dir: string,
    readonly port: number,
  ) {}

  /** initdb in a fresh temporary directory, then start. */
  static async start(): Promise<TestPostgres> {
    const binDir = findPostgresBinDir();
    if (binDir === undefined) throw new Error('PostgreSQL is not installed');
    const dir = mkdtempSync(join(tmpdir(), 'arca-pg-'));
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${pgSuperuserPassword}\n`);
    if (asRoot) {
      const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
      chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
      chownSync(pwfile, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
    }
    chmodSync(dir, 0o700);
    const [cmd, args] = command(join(binDir, 'initdb'), [
      '-D',
      join(dir, 'data'),
      '-U',
      pgSuperuser,
      `--pwfile=${pwfile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=scram-sha-256',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    const init = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
    if (init.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`initdb failed (${init.status}): ${init.stderr}`);
    }
    const server = new TestPostgres(binDir, dir, await freePort());
    try {
      await server.resume();
    } catch (err) {
      await server.destroy();
      throw err;
    }
    return server;
  }

  /** True while the server process runs. */
  get running(): boolean {
    return this.child !== undefined;
  }

  /** A connection URL for `user`/`password` (the superuser by default) to database `postgres`. */
  url(user = pgSuperuser, password = pgSuperuserPassword): string {
    return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/postgres`;
  }

  /** Opens a client as `user` (throws when login fails). The caller ends it. */
  async connect(user = pgSuperuser, password = pgSuperuserPassword): Promise<pg.Client> {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: this.port,
      user,
      password,
      database: 'postgres',
      connectionTimeoutMillis: 10_000,
    });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    return client;
  }

  /** Runs one query as the superuser. */
  async query(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
    const client = await this.connect();
    try {
      return await client.query(text, values);
    } finally {
      await client.end();
    }
  }

  /** Starts the server (again) on the same port and data; resolves once it accepts logins. */
  async resume(): Promise<void> {
    if (this.child !== undefined) return;
    const [cmd, args] = command(join(this.binDir, 'postgres'), [
      '-D',
      join(this.dir, 'data'),
      '-p',
      String(this.port),
      '-h',
      '127.0.0.1',
      '-k',
      this.dir,
      '-c',
      'fsync=off',
      '-c',
      'max_connections=200',
    ]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    this.output = '';
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        live.delete(child);
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    await pollUntil(
      'PostgreSQL to accept connections',
      async () => {
        if (this.child !== child) throw new Error(`postgres exited: ${this.output}`);
        const client = await this.connect();
        await client.end();
        return true;
      },
      60_000,
      50,
    );
  }

  /** Stops the server (fast shutdown) and waits for the process to exit; data is kept. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill('SIGINT');
    const bound = new Promise<'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), 30_000);
      void this.exited.then(() => clearTimeout(timer));
    });
    if ((await Promise.race([this.exited, bound])) === 'timeout') {
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Stops the server and deletes its directory. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
