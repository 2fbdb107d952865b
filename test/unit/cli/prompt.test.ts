import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { promptSecret, readAll } from '../../../src/cli/prompt.js';

test('without a TTY the secret is the first line of stdin and is never echoed', async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (d: Buffer) => (shown += d.toString()));
  input.end('s3cret-share\nsecond line\n');
  const key = await promptSecret(
    'Unseal Key (will be hidden): ',
    input as unknown as NodeJS.ReadStream,
    output as unknown as NodeJS.WriteStream,
  );
  assert.equal(key, 's3cret-share');
  assert.ok(shown.startsWith('Unseal Key (will be hidden): '));
  assert.ok(!shown.includes('s3cret'));
});

test('readAll collects all of a stream', async () => {
  const input = new PassThrough();
  input.end('{"a":1}\n');
  assert.equal(await readAll(input), '{"a":1}\n');
});

test('on a TTY the typed key is not echoed (readline output muted after the prompt)', async () => {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
  let shown = '';
  output.on('data', (d: Buffer) => (shown += d.toString()));
  const pending = promptSecret(
    'Token (will be hidden): ',
    input as unknown as NodeJS.ReadStream,
    output as unknown as NodeJS.WriteStream,
  );
  setImmediate(() => input.write('hvs.TYPEDSECRET\r'));
  assert.equal(await pending, 'hvs.TYPEDSECRET');
  assert.ok(shown.includes('Token (will be hidden): '));
  assert.ok(!shown.includes('TYPEDSECRET'), `echoed: ${JSON.stringify(shown)}`);
});
