import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerConfig } from '../../../src/server/config.js';
import { defaultJsonLimits } from '../../../src/lib/json-limits.js';
import { isArcaError } from '../../../src/lib/errors.js';

const withListener = (lines: string) => `
  storage "inmem" {}
  listener "tcp" {
    address = "127.0.0.1:8200"
    tls_disable = true
    ${lines}
  }
`;

test('listener JSON limits: Vault names, 0 = default, absent = defaults', async () => {
  const none = await parseServerConfig(withListener(''), 'a.hcl');
  assert.equal(none.listeners[0].jsonLimits, undefined, 'the app then uses Vault defaults');
  const config = await parseServerConfig(
    withListener(`
      max_json_depth = 50
      max_json_string_value_length = "4096"
      max_json_object_entry_count = 0
      max_json_array_element_count = 200
      max_request_json_memory = 1048576
    `),
    'a.hcl',
  );
  assert.deepEqual(config.listeners[0].jsonLimits, {
    depthMax: 50,
    stringValueBytesMax: 4096,
    objectEntriesMax: defaultJsonLimits.objectEntriesMax,
    arrayElementsMax: 200,
    memoryBytesMax: 1048576,
  });
});

test('listener JSON limits: negative, fractional, non-numeric or above the ceiling fail clearly', async () => {
  for (const line of [
    'max_json_depth = -1',
    'max_json_depth = 1001',
    'max_json_depth = 2.5',
    'max_json_object_entry_count = "many"',
    'max_request_json_memory = 99999999999999',
  ]) {
    await assert.rejects(parseServerConfig(withListener(line), 'bad.hcl'), (err: unknown) => {
      assert.ok(isArcaError(err, 'invalid_field'), String(err));
      assert.match(err.message, new RegExp(line.split(' ')[0]));
      return true;
    });
  }
});
