/**
 * PKI roles (`roles/<name>`): which names a role may issue for and with what keys and TTLs, with
 * Vault's field names, defaults and "not allowed by this role" refusals.
 */
import { isIP } from 'node:net';
import { ArcaError } from '../../lib/errors.js';
import type { BackendRequest, FieldSpec, PathSpec } from '../../logical/backend.js';
import { noContent } from '../../logical/response.js';
import { readJson, writeJson } from './store.js';
import type { PkiRole } from './types.js';

import { isPkiRole } from './shapes.js';
export type { PkiRole } from './types.js';

/** The role fields with Vault's defaults. */
export const roleFields: Record<string, FieldSpec> = {
  name: { type: 'string' },
  allowed_domains: { type: 'string_list', default: [] },
  allow_subdomains: { type: 'bool', default: false },
  allow_glob_domains: { type: 'bool', default: false },
  allow_any_name: { type: 'bool', default: false },
  allow_bare_domains: { type: 'bool', default: false },
  allow_localhost: { type: 'bool', default: true },
  allow_ip_sans: { type: 'bool', default: true },
  enforce_hostnames: { type: 'bool', default: true },
  key_type: { type: 'string', default: 'rsa' },
  key_bits: { type: 'int', default: 0 },
  ttl: { type: 'duration', default: 0 },
  max_ttl: { type: 'duration', default: 0 },
  generate_lease: { type: 'bool', default: false },
  no_store: { type: 'bool', default: false },
  server_flag: { type: 'bool', default: true },
  client_flag: { type: 'bool', default: true },
};

function roleFromRequest(request: BackendRequest): PkiRole {
  const f = request.fields;
  const role: PkiRole = {
    allowed_domains: f.get<string[]>('allowed_domains') ?? [],
    allow_subdomains: f.get<boolean>('allow_subdomains') ?? false,
    allow_glob_domains: f.get<boolean>('allow_glob_domains') ?? false,
    allow_any_name: f.get<boolean>('allow_any_name') ?? false,
    allow_bare_domains: f.get<boolean>('allow_bare_domains') ?? false,
    allow_localhost: f.get<boolean>('allow_localhost') ?? true,
    allow_ip_sans: f.get<boolean>('allow_ip_sans') ?? true,
    enforce_hostnames: f.get<boolean>('enforce_hostnames') ?? true,
    key_type: f.get<string>('key_type') ?? 'rsa',
    key_bits: f.get<number>('key_bits') ?? 0,
    ttl: f.get<number>('ttl') ?? 0,
    max_ttl: f.get<number>('max_ttl') ?? 0,
    generate_lease: f.get<boolean>('generate_lease') ?? false,
    no_store: f.get<boolean>('no_store') ?? false,
    server_flag: f.get<boolean>('server_flag') ?? true,
    client_flag: f.get<boolean>('client_flag') ?? true,
  };
  if (!['rsa', 'ec', 'any'].includes(role.key_type))
    throw new ArcaError('invalid_request', `unknown key type ${role.key_type}`);
  if (role.key_type === 'rsa' && ![0, 2048, 3072, 4096, 8192].includes(role.key_bits)) {
    throw new ArcaError('invalid_request', `unsupported bit length for RSA key: ${role.key_bits}`);
  }
  if (role.key_type === 'ec' && ![0, 224, 256, 384, 521].includes(role.key_bits)) {
    throw new ArcaError('invalid_request', `unsupported bit length for EC key: ${role.key_bits}`);
  }
  if (role.max_ttl > 0 && role.ttl > role.max_ttl) {
    throw new ArcaError('invalid_request', '"ttl" value must be less than "max_ttl" value');
  }
  return role;
}

/** Loads a role or throws Vault's 400. */
export async function requireRole(request: BackendRequest, name: string): Promise<PkiRole> {
  const role = await readJson(request.storage, `role/${name}`, isPkiRole);
  if (role === undefined) throw new ArcaError('invalid_request', `unknown role: ${name}`);
  return role;
}

const hostnamePattern =
  /^(?:\*\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$/;

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(name);
}

/** Whether `role` permits the DNS name `name` (Vault's rules, without templating). */
export function nameAllowed(role: PkiRole, name: string): boolean {
  const lower = name.toLowerCase();
  if (role.enforce_hostnames && !hostnamePattern.test(lower)) return false;
  if (role.allow_any_name) return true;
  if (role.allow_localhost && (lower === 'localhost' || lower === 'localdomain')) return true;
  for (const raw of role.allowed_domains) {
    const domain = raw.toLowerCase();
    if (role.allow_bare_domains && lower === domain) return true;
    if (role.allow_subdomains && lower.endsWith(`.${domain.replace(/^\*\./, '')}`)) return true;
    if (role.allow_glob_domains && domain.includes('*') && globMatch(domain, lower)) return true;
  }
  return false;
}

/** Checks the common name, DNS SANs and IP SANs of a request against the role. */
export function checkNames(role: PkiRole, commonName: string, dnsNames: string[], ips: string[]): void {
  if (commonName !== '' && isIP(commonName) === 0 && !nameAllowed(role, commonName)) {
    throw new ArcaError('invalid_request', `common name ${commonName} not allowed by this role`);
  }
  for (const name of dnsNames) {
    if (!nameAllowed(role, name))
      throw new ArcaError('invalid_request', `subject alternate name ${name} not allowed by this role`);
  }
  for (const ip of ips) {
    if (isIP(ip) === 0) throw new ArcaError('invalid_request', `the value "${ip}" is not a valid IP address`);
  }
  if (ips.length > 0 && !role.allow_ip_sans) {
    throw new ArcaError(
      'invalid_request',
      `IP Subject Alternative Names are not allowed in this role, but was provided ${ips.join(',')}`,
    );
  }
}

/** The role PathSpecs: LIST roles, roles/<name> CRUD. */
export function rolePaths(): PathSpec[] {
  return [
    {
      pattern: 'roles/?',
      operations: {
        list: async (request) => {
          const keys = (await request.storage.list('role/')).filter((k) => !k.endsWith('/'));
          if (keys.length === 0) throw new ArcaError('not_found');
          return { data: { keys } };
        },
      },
      help: 'List the existing roles in this backend.',
    },
    {
      pattern: 'roles/(?<name>\\w(?:[\\w.-]*\\w)?)',
      fields: roleFields,
      existenceCheck: async (request) =>
        (await request.storage.get(`role/${request.params.name ?? ''}`)) !== undefined,
      operations: {
        read: async (request) => {
          const role = await readJson(request.storage, `role/${request.params.name ?? ''}`, isPkiRole);
          if (role === undefined) throw new ArcaError('not_found');
          return { data: { ...role } };
        },
        update: async (request) => {
          const role = roleFromRequest(request);
          await writeJson(request.storage, `role/${request.params.name ?? ''}`, role);
          return { data: { ...role } };
        },
        delete: async (request) => {
          await request.storage.delete(`role/${request.params.name ?? ''}`);
          return noContent;
        },
      },
      help: 'Manage the roles that can be created with this backend.',
    },
  ];
}
