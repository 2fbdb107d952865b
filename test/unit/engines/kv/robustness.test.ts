import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { kvBackendFactory } from '../../../../src/engines/kv/index.js';
import { cubbyholeBackendFactory } from '../../../../src/engines/cubbyhole/index.js';
import { isArcaError } from '../../../../src/lib/errors.js';
import type { Operation } from '../../../../src/logical/request.js';
import { EngineHarness } from '../../../helpers/engine-harness.js';

const operations: Array<Operation | 'write'> = ['read', 'write', 'patch', 'delete', 'list'];
const paths = fc.constantFrom(
  'data/k',
  'data/a/b',
  'metadata/k',
  'metadata/',
  'subkeys/k',
  'delete/k',
  'undelete/k',
  'destroy/k',
  'config',
  'data/',
  'x',
  '',
);
const body = fc.dictionary(
  fc.constantFrom(
    'data',
    'options',
    'version',
    'versions',
    'max_versions',
    'cas_required',
    'custom_metadata',
    'depth',
    'delete_version_after',
    'other',
  ),
  fc.jsonValue({ maxDepth: 2 }),
);
const contentTypes = fc.constantFrom(undefined, 'application/json', 'application/merge-patch+json');

test('property: any request sequence on KV v2 either succeeds or fails with a 4xx, never a crash', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(...operations), paths, body, contentTypes), {
        minLength: 1,
        maxLength: 12,
      }),
      async (calls) => {
        const kv = await EngineHarness.mount(kvBackendFactory, { version: '2' });
        for (const [operation, path, data, contentType] of calls) {
          try {
            await kv.call(operation, path, { data, contentType });
          } catch (err) {
            assert.ok(
              isArcaError(err),
              `non-ArcaError for ${operation} ${path} ${JSON.stringify(data)}: ${String(err)}`,
            );
            assert.ok(err.httpStatus >= 400 && err.httpStatus < 500, `${err.code} ${err.message}`);
          }
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('property: KV v1 and cubbyhole accept or refuse arbitrary data with a 4xx', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.tuple(
          fc.constantFrom(...operations),
          fc.constantFrom('a', 'a/b', '', 'a/'),
          fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
        ),
        { maxLength: 8 },
      ),
      async (calls) => {
        const v1 = await EngineHarness.mount(kvBackendFactory);
        const cubby = await EngineHarness.mount(cubbyholeBackendFactory);
        const auth = {
          accessor: 'a',
          policies: [],
          displayName: 't',
          entityId: '',
          metadata: {},
          tokenIdHash: 'h1',
        };
        for (const [operation, path, data] of calls) {
          for (const engine of [v1, cubby]) {
            try {
              await engine.call(operation, path, { data, auth });
            } catch (err) {
              assert.ok(isArcaError(err), String(err));
              assert.ok(err.httpStatus >= 400 && err.httpStatus < 500, `${err.code} ${err.message}`);
            }
          }
        }
      },
    ),
    { numRuns: 150 },
  );
});
