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

test('README: every `npx arca` command shown exists (its --help exits 0)', async (t) => {
  t.mock.method(console, 'log', () => undefined); // yargs prints help text to the console
  const commands = codeBlocks('sh')
    .flatMap((block) => block.split('\n'))
    .map((line) => /^npx arca ((?:[a-z]+ ?){1,2})/.exec(line.trim())?.[1].trim())
    .filter((c): c is string => c !== undefined);
  assert.ok(commands.length >= 10, `found ${commands.length} commands`);
  for (const command of new Set(commands)) {
    const words = command.split(' ');
    // "kv put" is a command path; "audit verify" too; a trailing path-like word is not.
    const run = await runCaptured([...words, '--help'], { env: {}, homeDir: '/nonexistent' });
    assert.equal(run.code, 0, `arca ${command} --help: ${run.err}`);
  }
});
