/**
 * The policy store: ACL policies as text in the barrier (`sys/policy/<name>`), parsed once and
 * cached. ACLs are built per request from the current store through a cache keyed by the token's
 * policy set; any write or delete clears it, so a policy change applies to the very next request.
 * `root` is built in (everything) and can be neither written nor deleted; `default` can be edited
 * but not deleted. `response-wrapping` (what a wrapping token may do: read its cubbyhole's
 * `response`, unwrap) is built in as in Vault: fixed text, not listed, not writable or deletable.
 */
import { object, str } from '../lib/shape.js';
import { ArcaError } from '../lib/errors.js';
import type { StorageView } from '../logical/storage-view.js';
import { Acl } from './policy/acl.js';
import { parsePolicy, type Policy } from './policy/policy.js';
import { defaultPolicyText } from './default-policy.js';
import { jsonBytes, readJson } from './storage-view.js';

interface StoredPolicy {
  name: string;
  text: string;
}

/** The stored form of a policy, checked on read. */
const storedPolicy = object<StoredPolicy>({ name: str, text: str });

/** Names that are valid policy names (lower-cased by the caller first). */
const policyNamePattern = /^[a-z0-9][a-z0-9._@-]*$/;

/** The fixed policy of response-wrapping tokens (Vault's text). */
export const responseWrappingPolicyName = 'response-wrapping';
const responseWrappingPolicyText = `
path "cubbyhole/response" {
    capabilities = ["create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`;

export class PolicyStore {
  private readonly parsed = new Map<string, Policy | null>();
  private readonly acls = new Map<string, Acl>();
  /** Bumped on every change, so a build that raced a write never lands in a cache. */
  private generation = 0;

  /** `storage` is the system view; policies live under `policy/` within it. */
  constructor(private readonly storage: StorageView) {}

  /** First unseal: writes the default policy if it is missing. */
  async ensureDefaults(): Promise<void> {
    if ((await this.storage.get(this.key('default'))) === undefined) {
      await this.write('default', defaultPolicyText);
    }
  }

  /** Sorted policy names, including the built-in `root`. */
  async list(): Promise<string[]> {
    const names = (await this.storage.list('policy/')).filter(
      (n) => !n.endsWith('/') && n !== responseWrappingPolicyName,
    );
    return [...new Set([...names, 'root'])].sort();
  }

  /** The stored text, or undefined when absent (`root` has no text: returns ''). */
  async readText(name: string): Promise<string | undefined> {
    if (name === 'root') return '';
    if (name === responseWrappingPolicyName) return responseWrappingPolicyText;
    return (await readJson(this.storage, this.key(name), storedPolicy))?.text;
  }

  /** Parses (400 `failed to parse policy` on bad syntax) and stores; clears the ACL cache. */
  async write(name: string, text: string): Promise<void> {
    checkName(name);
    if (name === 'root') throw new ArcaError('invalid_request', 'cannot update "root" policy');
    if (name === responseWrappingPolicyName) {
      throw new ArcaError('invalid_request', `cannot update "${responseWrappingPolicyName}" policy`);
    }
    const policy = await parsePolicy(name, text);
    await this.storage.put(this.key(name), jsonBytes({ name, text } satisfies StoredPolicy));
    this.invalidate();
    this.parsed.set(name, policy);
  }

  /** Deletes (idempotent); `root` and `default` are protected. */
  async delete(name: string): Promise<void> {
    if (name === 'root') throw new ArcaError('invalid_request', 'cannot delete "root" policy');
    if (name === 'default') throw new ArcaError('invalid_request', 'cannot delete "default" policy');
    if (name === responseWrappingPolicyName) {
      throw new ArcaError('invalid_request', `cannot delete "${responseWrappingPolicyName}" policy`);
    }
    await this.storage.delete(this.key(name));
    this.invalidate();
  }

  /** The ACL for a set of policy names (missing policies are skipped, as in Vault). */
  async aclFor(names: readonly string[]): Promise<Acl> {
    const unique = [...new Set(names)].filter((n) => n !== 'root').sort();
    const cacheKey = unique.join('\n');
    const cached = this.acls.get(cacheKey);
    if (cached !== undefined) return cached;
    const generation = this.generation;
    const policies: Policy[] = [];
    for (const name of unique) {
      const policy = await this.load(name);
      if (policy !== null) policies.push(policy);
    }
    const acl = new Acl(policies);
    if (generation === this.generation) this.acls.set(cacheKey, acl);
    return acl;
  }

  /** Drops every cache (seal). */
  clearCaches(): void {
    this.invalidate();
  }

  private invalidate(): void {
    this.generation++;
    this.parsed.clear();
    this.acls.clear();
  }

  private async load(name: string): Promise<Policy | null> {
    const known = this.parsed.get(name);
    if (known !== undefined) return known;
    const generation = this.generation;
    const text =
      name === responseWrappingPolicyName
        ? responseWrappingPolicyText
        : (await readJson(this.storage, this.key(name), storedPolicy))?.text;
    const policy = text === undefined ? null : await parsePolicy(name, text);
    if (generation === this.generation) this.parsed.set(name, policy);
    return policy;
  }

  private key(name: string): string {
    return `policy/${name}`;
  }
}

function checkName(name: string): void {
  if (!policyNamePattern.test(name) || name.length > 128) {
    throw new ArcaError('invalid_request', `invalid policy name "${name}"`);
  }
}
