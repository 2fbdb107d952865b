/**
 * The engine dispatch layer (Vault's framework.Backend): core strips the mount prefix and calls
 * these to match the path against the engine's declared specs, decide create vs update for the
 * ACL check, coerce fields and run the handler. Engines never parse paths ad hoc.
 */
import { ArcaError } from '../lib/errors.js';
import type { Backend, BackendRequest, Handler, PathSpec } from './backend.js';
import { readFields } from './fields.js';
import type { Operation, RequestAuth } from './request.js';
import type { LogicalResponse } from './response.js';
import type { StorageView } from './storage-view.js';

/** What core hands the dispatcher for one request (path relative to the mount). */
export interface DispatchRequest {
  requestId: string;
  operation: Operation;
  /** Relative to the mount, no leading slash; LIST paths end in '/'. */
  path: string;
  data: Record<string, unknown>;
  storage: StorageView;
  auth?: RequestAuth;
  mountPoint: string;
  contentType?: string;
  /** Only for core's own backends (see BackendRequest.clientToken). */
  clientToken?: string;
  /** The client's address, for CIDR checks on login paths and the ceremony record. */
  remoteAddress?: string;
}

/** A matched spec and the pattern's named groups. */
export interface PathMatch {
  spec: PathSpec;
  params: Record<string, string>;
}

const compiled = new WeakMap<PathSpec, RegExp>();

function regexOf(spec: PathSpec): RegExp {
  let re = compiled.get(spec);
  if (re === undefined) {
    re = new RegExp(`^(?:${spec.pattern})$`);
    compiled.set(spec, re);
  }
  return re;
}

/** The first spec (in declaration order, as Vault's framework) whose pattern matches the whole path. */
export function matchPath(backend: Backend, path: string): PathMatch | undefined {
  for (const spec of backend.paths) {
    const match = regexOf(spec).exec(path);
    if (match === null) continue;
    const params: Record<string, string> = {};
    const groups = match.groups;
    if (groups !== undefined) {
      for (const name in groups) {
        const value = groups[name];
        if (value !== undefined) params[name] = value;
      }
    }
    return { spec, params };
  }
  return undefined;
}

/** Field data as Vault's framework sees it: the body/query plus the path's captures (captures win). */
function fieldData(request: DispatchRequest, params: Record<string, string>): Record<string, unknown> {
  for (const _name in params) return { ...request.data, ...params };
  return request.data;
}

function backendRequest(request: DispatchRequest, matched: PathMatch, operation: Operation) {
  const read = readFields(matched.spec.fields, fieldData(request, matched.params));
  const unknown =
    read.unknown.length === 0
      ? read.unknown
      : read.unknown.filter((name) => !Object.hasOwn(matched.params, name));
  const built: BackendRequest = {
    requestId: request.requestId,
    operation,
    path: request.path,
    params: matched.params,
    data: request.data,
    fields: read.reader,
    storage: request.storage,
    auth: request.auth,
    mountPoint: request.mountPoint,
    contentType: request.contentType,
    clientToken: request.clientToken,
  };
  if (request.remoteAddress !== undefined) built.remoteAddress = request.remoteAddress;
  return { built, unknown };
}

/**
 * Decides the ACL operation of a POST/PUT (`update`): `create` when the matched spec has an
 * existence check and it says the resource does not exist; `update` otherwise (no spec, no check,
 * or it exists), exactly as Vault. Other operations are returned unchanged. A field that cannot be
 * coerced is a 400 here already (Vault validates fields before the existence check too).
 * `matched` is `matchPath(backend, request.path)` when the caller already has it (saves a match).
 */
export async function resolveOperation(
  backend: Backend,
  request: DispatchRequest,
  matched: PathMatch | undefined = matchPath(backend, request.path),
): Promise<Operation> {
  if (request.operation !== 'update' && request.operation !== 'create') return request.operation;
  if (matched?.spec.existenceCheck === undefined) return 'update';
  const { built } = backendRequest(request, matched, request.operation);
  return (await matched.spec.existenceCheck(built)) ? 'update' : 'create';
}

function handlerFor(spec: PathSpec, operation: Operation): Handler | undefined {
  const own = spec.operations[operation];
  if (own !== undefined) return own;
  if (operation === 'create') return spec.operations.update;
  if (operation === 'update') return spec.operations.create;
  return undefined;
}

/**
 * Runs the request: 404 `unsupported path` when no spec matches, 405 `unsupported operation` when
 * the spec does not declare the operation (create and update stand in for each other), 400 for a
 * field that cannot be coerced; adds Vault's warning
 * `Endpoint ignored these unrecognized parameters: [a b]` for undeclared keys unless the spec
 * takes arbitrary fields. `matched` is `matchPath(backend, request.path)` when the caller already
 * has it (core matches once per request and passes it along).
 */
export async function dispatch(
  backend: Backend,
  request: DispatchRequest,
  matched: PathMatch | undefined = matchPath(backend, request.path),
): Promise<LogicalResponse> {
  if (matched === undefined) throw new ArcaError('unsupported_path');
  const handler = handlerFor(matched.spec, request.operation);
  if (handler === undefined) throw new ArcaError('unsupported_operation');
  const { built, unknown } = backendRequest(request, matched, request.operation);
  const response = await handler(built);
  if (unknown.length === 0 || matched.spec.takesArbitraryFields === true) return response;
  const warning = `Endpoint ignored these unrecognized parameters: [${unknown.join(' ')}]`;
  return { ...response, warnings: [...(response.warnings ?? []), warning] };
}

/**
 * The alias a login is for (the matched spec's `loginAlias`: username, role_id), read before the
 * handler runs so core can apply user lockout; undefined when the spec declares none.
 */
export async function loginAliasOf(
  request: DispatchRequest,
  matched: PathMatch,
): Promise<string | undefined> {
  if (matched.spec.loginAlias === undefined) return undefined;
  const { built } = backendRequest(request, matched, request.operation);
  return matched.spec.loginAlias(built);
}
