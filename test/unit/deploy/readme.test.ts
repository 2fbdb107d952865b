/**
 * The README's examples are real: its sample policy parses with Arca's policy parser, and every
 * `npx arca <command>` it shows is a command the CLI knows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePolicy } from '../../../src/core/policy/policy.js';
import { runCaptured } from '../cli/run-captured.js';

const readme = readFileSync('README.md', 'utf8');

function codeBlocks(language: string): string[] {
  return [...readme.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

test('README: the sample policy file parses', async () => {
  const policies = codeBlocks('hcl').filter((block) => block.includes('capabilities'));
  assert.equal(policies.length, 1);
  const policy = await parsePolicy('app-reader', policies[0]);
  assert.ok(policy !== undefined);
});

test('README: every `npx arca` command shown exists (its help shows its own usage)', async (t) => {
  let printed = '';
  t.mock.method(console, 'log', (text: unknown) => (printed += `${String(text)}\n`)); // yargs prints help here
  const commands = codeBlocks('sh')
    .flatMap((block) => block.split('\n'))
    .map((line) => /^npx arca ((?:[a-z]+ ?){1,2})/.exec(line.trim())?.[1].trim())
    .filter((c): c is string => c !== undefined);
  assert.ok(commands.length >= 10, `found ${commands.length} commands`);
  const usage = async (command: string): Promise<string> => {
    printed = '';
    const run = await runCaptured([...command.split(' '), '--help'], { env: {}, homeDir: '/nonexistent' });
    assert.equal(run.code, 0, run.err);
    return printed;
  };
  for (const command of new Set(commands))
    assert.match(await usage(command), new RegExp(`^arca ${command}( |$)`, 'm'), `arca ${command}`);
  // The check can fail: an unknown command only gets the general help.
  assert.doesNotMatch(await usage('kv frobnicate'), /^arca kv frobnicate/m);
});
