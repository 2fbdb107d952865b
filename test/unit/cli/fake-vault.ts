/**
 * A small stateful stand-in for core, just enough for CLI end-to-end tests over real HTTP: seal
 * state, init/unseal, a KV v1 mount `kv1/`, a KV v2 mount `secret/`, policies, token lookup and
 * create, mounts. It checks the token on non-sys paths. Not a model of Vault semantics beyond that.
 */
import { ArcaError } from '../../../src/lib/errors.js';
import type { RequestHandler } from '../../../src/logical/handler.js';
import type { LogicalRequest } from '../../../src/logical/request.js';
import type { LogicalResponse } from '../../../src/logical/response.js';

const raw = (body: unknown, status = 200): LogicalResponse => ({
  raw: { status, contentType: 'application/json', body: JSON.stringify(body) },
});

export class FakeVault implements RequestHandler {
  sealed = true;
  initialized = false;
  progress = 0;
  readonly rootToken = 'hvs.root';
  readonly kv1 = new Map<string, Record<string, unknown>>();
  readonly kv2 = new Map<string, Record<string, unknown>[]>();
  readonly policies = new Map<string, string>([['default', 'path "x" {}']]);
  readonly requests: LogicalRequest[] = [];

  async handleRequest(req: LogicalRequest): Promise<LogicalResponse> {
    this.requests.push(req);
    const { path, operation: op, data } = req;
    const status = () => ({
      type: 'shamir',
      initialized: this.initialized,
      sealed: this.sealed,
      t: 2,
      n: 3,
      progress: this.progress,
      nonce: '',
      version: '0.1.0',
      storage_type: 'inmem',
    });
    if (path === 'sys/seal-status') return raw(status());
    if (path === 'sys/init' && op === 'update') {
      this.initialized = true;
      const shares = Number(data.secret_shares);
      return raw({
        keys: Array.from({ length: shares }, (_, i) => `hex${i}`),
        keys_base64: Array.from({ length: shares }, (_, i) => `b64${i}`),
        root_token: this.rootToken,
      });
    }
    if (path === 'sys/unseal') {
      if (data.reset === true) this.progress = 0;
      else if (typeof data.key !== 'string') throw new ArcaError('unseal_key_required');
      else if (!data.key.startsWith('b64')) throw new ArcaError('invalid_unseal_key');
      else if (++this.progress >= 2) {
        this.sealed = false;
        this.progress = 0;
      }
      return raw(status());
    }
    if (this.sealed) throw new ArcaError('sealed');
    if (req.clientToken !== this.rootToken)
      throw new ArcaError('permission_denied', ['permission denied', 'invalid token']);
    if (path === 'sys/seal') {
      this.sealed = true;
      return {};
    }
    const ui = /^sys\/internal\/ui\/mounts\/(.*)$/.exec(path);
    if (ui) {
      if (ui[1].startsWith('secret'))
        return { data: { path: 'secret/', type: 'kv', options: { version: '2' } } };
      if (ui[1].startsWith('kv1')) return { data: { path: 'kv1/', type: 'kv', options: null } };
      throw new ArcaError('not_found');
    }
    if (path === 'sys/mounts')
      return {
        data: { 'secret/': { type: 'kv', accessor: 'kv_1', description: 'kv', options: { version: '2' } } },
        topLevelData: true,
      };
    if (path.startsWith('sys/mounts/')) return {};
    if (path === 'auth/token/lookup-self')
      return { data: { accessor: 'acc', ttl: 0, renewable: false, policies: ['root'] } };
    if (path === 'auth/token/create' || path === 'auth/token/create-orphan') {
      return {
        auth: {
          clientToken: 'hvs.child',
          accessor: 'acc2',
          policies: (data.policies as string[]) ?? ['root'],
          tokenPolicies: (data.policies as string[]) ?? ['root'],
          metadata: null,
          leaseDurationSeconds: 3600,
          renewable: true,
          entityId: '',
          tokenType: 'service',
          orphan: path.endsWith('orphan'),
          numUses: 0,
        },
      };
    }
    const policy = /^sys\/policies\/acl\/?(.*)$/.exec(path);
    if (policy) {
      if (op === 'list') return { data: { keys: [...this.policies.keys()].sort() } };
      if (op === 'update') this.policies.set(policy[1], String(data.policy));
      if (op === 'delete') this.policies.delete(policy[1]);
      if (op === 'read') {
        const text = this.policies.get(policy[1]);
        if (text === undefined) throw new ArcaError('not_found');
        return { data: { name: policy[1], policy: text } };
      }
      return {};
    }
    if (path.startsWith('kv1/')) return this.handleKv1(req, path.slice(4));
    if (path.startsWith('secret/')) return this.handleKv2(req, path.slice(7));
    throw new ArcaError('no_handler', `no handler for route "${path}". route entry not found.`);
  }

  private handleKv1(req: LogicalRequest, key: string): LogicalResponse {
    if (req.operation === 'list') {
      const keys = [...this.kv1.keys()].filter((k) => k.startsWith(key)).map((k) => k.slice(key.length));
      if (keys.length === 0) throw new ArcaError('not_found');
      return { data: { keys } };
    }
    if (req.operation === 'update') this.kv1.set(key, req.data);
    if (req.operation === 'delete') this.kv1.delete(key);
    if (req.operation === 'read') {
      const value = this.kv1.get(key);
      if (!value) throw new ArcaError('not_found');
      return { data: value, secret: { ttlSeconds: 2764800, renewable: false } };
    }
    return {};
  }

  private handleKv2(req: LogicalRequest, rest: string): LogicalResponse {
    const [segment, ...parts] = rest.split('/');
    const key = parts.join('/');
    const versions = this.kv2.get(key) ?? [];
    const meta = (version: number) => ({
      created_time: 't',
      custom_metadata: null,
      deletion_time: '',
      destroyed: false,
      version,
    });
    if (segment === 'data' && req.operation === 'update') {
      const cas = (req.data.options as { cas?: number } | undefined)?.cas;
      if (cas !== undefined && cas !== versions.length) throw new ArcaError('cas_mismatch');
      versions.push(req.data.data as Record<string, unknown>);
      this.kv2.set(key, versions);
      return { data: meta(versions.length) };
    }
    if (segment === 'data' && req.operation === 'read') {
      const version = req.data.version === undefined ? versions.length : Number(req.data.version);
      const value = versions[version - 1];
      if (!value) throw new ArcaError('not_found');
      return { data: { data: value, metadata: meta(version) } };
    }
    if (segment === 'metadata' && req.operation === 'list') {
      const keys = [...this.kv2.keys()].filter((k) => k.startsWith(key)).map((k) => k.slice(key.length));
      if (keys.length === 0) throw new ArcaError('not_found');
      return { data: { keys } };
    }
    return {};
  }
}
