import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dispatch,
  matchPath,
  resolveOperation,
  type DispatchRequest,
} from '../../../src/logical/dispatch.js';
import type { Backend, BackendRequest } from '../../../src/logical/backend.js';
import type { Operation } from '../../../src/logical/request.js';
import { isArcaError } from '../../../src/lib/errors.js';
import { MemoryStorageView } from '../../helpers/memory-storage-view.js';

const seen: BackendRequest[] = [];
const record = (tag: string) => async (request: BackendRequest) => {
  seen.push(request);
  return { data: { tag, params: request.params } };
};

const backend: Backend = {
  type: 'test',
  paths: [
    {
      pattern: 'roles/(?<name>[^/]+)',
      fields: { name: { type: 'string' }, ttl: { type: 'duration' }, count: { type: 'int', default: 3 } },
      operations: { read: record('read-role'), update: record('update-role'), delete: record('delete-role') },
      existenceCheck: async (request) => request.params.name === 'exists',
    },
    { pattern: 'roles/?', operations: { list: record('list-roles') } },
    { pattern: 'create-only', operations: { create: record('create-only') } },
    { pattern: 'free/(?<path>.*)', takesArbitraryFields: true, operations: { update: record('free') } },
    { pattern: 'greedy/.*', operations: { read: record('first') } },
    { pattern: 'greedy/x', operations: { read: record('second') } },
  ],
};

function request(operation: Operation, path: string, data: Record<string, unknown> = {}): DispatchRequest {
  return { requestId: 'r1', operation, path, data, storage: new MemoryStorageView(), mountPoint: 'test/' };
}

test('matchPath matches whole paths only and returns the named groups', () => {
  assert.deepEqual(matchPath(backend, 'roles/web')?.params, { name: 'web' });
  assert.equal(matchPath(backend, 'roles/web/extra'), undefined);
  assert.equal(matchPath(backend, 'xroles/web'), undefined);
  assert.equal(matchPath(backend, 'roles/')?.spec.pattern, 'roles/?');
  assert.deepEqual(matchPath(backend, 'free/a/b/')?.params, { path: 'a/b/' });
});

test('the first declared spec wins, as in Vault', () => {
  assert.equal(matchPath(backend, 'greedy/x')?.spec.pattern, 'greedy/.*');
});

test('an unmatched path is 404 unsupported path; an undeclared operation is 405', async () => {
  await assert.rejects(
    dispatch(backend, request('read', 'nope')),
    (err: unknown) =>
      isArcaError(err, 'unsupported_path') &&
      err.httpStatus === 404 &&
      err.messages[0] === 'unsupported path',
  );
  await assert.rejects(
    dispatch(backend, request('list', 'roles/web')),
    (err: unknown) => isArcaError(err, 'unsupported_operation') && err.httpStatus === 405,
  );
  await assert.rejects(dispatch(backend, request('patch', 'roles/web')), (err: unknown) =>
    isArcaError(err, 'unsupported_operation'),
  );
});

test('create falls back to the update handler and update to the create handler', async () => {
  assert.equal((await dispatch(backend, request('create', 'roles/new'))).data?.tag, 'update-role');
  assert.equal((await dispatch(backend, request('update', 'create-only'))).data?.tag, 'create-only');
});

test('resolveOperation turns update into create only when the existence check says absent', async () => {
  assert.equal(await resolveOperation(backend, request('update', 'roles/new')), 'create');
  assert.equal(await resolveOperation(backend, request('update', 'roles/exists')), 'update');
  assert.equal(await resolveOperation(backend, request('update', 'create-only')), 'update');
  assert.equal(await resolveOperation(backend, request('update', 'no/such/path')), 'update');
  assert.equal(await resolveOperation(backend, request('read', 'roles/new')), 'read');
  assert.equal(await resolveOperation(backend, request('delete', 'roles/new')), 'delete');
});

test('fields are coerced before the handler runs; captures are fields too', async () => {
  seen.length = 0;
  await dispatch(backend, request('update', 'roles/web', { ttl: '1h', count: '9' }));
  const got = seen[0];
  assert.ok(got);
  assert.equal(got.fields.get('ttl'), 3600);
  assert.equal(got.fields.get('count'), 9);
  assert.equal(got.fields.get('name'), 'web');
  assert.equal(got.path, 'roles/web');
  assert.equal(got.mountPoint, 'test/');
  await assert.rejects(
    dispatch(backend, request('update', 'roles/web', { ttl: 'soon' })),
    (err: unknown) => isArcaError(err, 'invalid_field') && err.message.includes('ttl'),
  );
});

test('a capture overrides a body field of the same name', async () => {
  seen.length = 0;
  await dispatch(backend, request('update', 'roles/web', { name: 'evil' }));
  assert.equal(seen[0]?.fields.get('name'), 'web');
});

test('unknown fields add the ignored-parameters warning, sorted, unless the path takes arbitrary fields', async () => {
  const warned = await dispatch(backend, request('update', 'roles/web', { zz: 1, aa: 2, ttl: 5 }));
  assert.deepEqual(warned.warnings, ['Endpoint ignored these unrecognized parameters: [aa zz]']);
  const quiet = await dispatch(backend, request('update', 'roles/web', { ttl: 5 }));
  assert.equal(quiet.warnings, undefined);
  const free = await dispatch(backend, request('update', 'free/x', { anything: 1 }));
  assert.equal(free.warnings, undefined);
  assert.deepEqual(free.data?.params, { path: 'x' });
});
