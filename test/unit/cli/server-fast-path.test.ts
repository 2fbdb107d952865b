/**
 * `arca server ...` skips yargs for its plain forms (startup time, issue 16). What it accepts must
 * give exactly the options yargs + `serverOptions` give; everything else must go to yargs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../../src/cli/main.js';
import { normaliseArgv } from '../../../src/cli/argv.js';
import { serverFastPath } from '../../../src/cli/commands/server.js';
import type { StartServerOptions } from '../../../src/server/main.js';

/** The options yargs hands to startServer for `argv` (forced through yargs: a trailing `--help`-free path). */
async function viaYargs(
  argv: string[],
): Promise<{ code: number; options?: StartServerOptions; err: string }> {
  let options: StartServerOptions | undefined;
  let err = '';
  const { buildCli } = await import('../../../src/cli/cli-tree.js');
  const env = {
    io: {
      stdout: () => undefined,
      stderr: (t: string) => (err += t),
      env: {},
      homeDir: '/nonexistent',
      readStdin: async () => '',
      promptSecret: async () => '',
    },
    sources: { readFile: async () => '', readStdin: async () => '' },
    startServer: async (o: StartServerOptions) => {
      options = o;
      throw new Error('stop here');
    },
    waitForShutdown: async () => undefined,
    exitCode: 0,
  };
  await buildCli(normaliseArgv(argv), env)
    .fail(() => {
      env.exitCode = 2;
    })
    .parseAsync();
  return { code: env.exitCode, options, err };
}

test('the plain server forms take the fast path and give the options yargs gives', async () => {
  const cases = [
    ['server', '-dev'],
    ['server', '-dev', '-dev-listen-address=127.0.0.1:0', '-log-level=error'],
    ['server', '--dev', '--dev-root-token-id=root', '--log-level=WARNING'],
    ['server', '-config=/etc/arca.hcl'],
    ['server', '-config=/etc/arca=x.hcl', '-log-level=debug'],
    ['server', '-dev-listen-address=[::1]:8200', '-dev'],
  ];
  for (const argv of cases) {
    const fast = serverFastPath(normaliseArgv(argv));
    assert.ok(fast !== undefined, `${argv.join(' ')} takes the fast path`);
    const slow = await viaYargs(argv);
    assert.deepEqual(fast, slow.options, argv.join(' '));
  }
});

test('everything else goes to yargs: help, unknown, repeated or valueless flags, bad values, other commands', () => {
  const cases = [
    ['server', '--help'],
    ['server', '-h'],
    ['server', '-dev', '-bogus'],
    ['server', '-dev', 'positional'],
    ['server', '-dev', '-dev'],
    ['server', '-config'],
    ['server', '-config', '/etc/arca.hcl'],
    ['server', '-config='],
    ['server', '-dev=true'],
    ['server', '-no-dev'],
    ['server', '-log-level=loud'],
    ['server', '-dev', '-address=http://x'],
    ['status'],
    ['-dev', 'server'],
    [],
  ];
  for (const argv of cases)
    assert.equal(serverFastPath(normaliseArgv(argv)), undefined, `${argv.join(' ')} goes to yargs`);
});

test('a bad value on the fast path still fails the vault way (through yargs)', async () => {
  let err = '';
  const code = await runCli(['server', '-dev', '-log-level=loud'], {
    io: { stdout: () => undefined, stderr: (t) => (err += t), env: {}, homeDir: '/nonexistent' },
    startServer: () => Promise.reject(new Error('must not start')),
  });
  assert.notEqual(code, 0);
  assert.match(err, /Error parsing flags/);
});

test('a server that fails to start exits 1 with the message, fast path or not', async () => {
  for (const argv of [
    ['server', '-dev'],
    ['server', '-dev', '--address=http://127.0.0.1:1'],
  ]) {
    let err = '';
    const code = await runCli(argv, {
      io: { stdout: () => undefined, stderr: (t) => (err += t), env: {}, homeDir: '/nonexistent' },
      startServer: () => Promise.reject(new Error('port taken')),
    });
    assert.equal(code, 1, argv.join(' '));
    assert.match(err, /^Error starting the server: port taken\n$/);
  }
});
