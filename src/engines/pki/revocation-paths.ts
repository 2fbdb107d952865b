/**
 * Revocation and read paths of the PKI engine: `revoke`, `cert/<serial|ca|ca_chain|crl>`, LIST
 * `certs`, `ca`, `ca/pem`, `ca_chain`, `crl`, `crl/pem`, `crl/rotate`, `config/urls` and `tidy`.
 */
import { X509Certificate } from 'node:crypto';
import { ArcaError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { BackendRequest, PathSpec } from '../../logical/backend.js';
import type { LogicalResponse } from '../../logical/response.js';
import { rebuildCrl } from './crl.js';
import { urlConfig } from './issue.js';
import { certKey, readJson, requireCa, writeJson } from './store.js';
import { fromPem, toPem } from './x509.js';
import { isCertRecord, isRevokedList } from './shapes.js';

const raw = (body: string | Buffer, contentType: string): LogicalResponse => ({
  raw: { status: 200, contentType, body },
});

/** The revocation and read PathSpecs. */
export function revocationPaths(clock: Clock): PathSpec[] {
  const revoke = async (request: BackendRequest): Promise<LogicalResponse> => {
    let serial = (request.fields.get<string>('serial_number') ?? '').toLowerCase().replace(/-/g, ':');
    const pem = request.fields.get<string>('certificate') ?? '';
    if (serial === '' && pem !== '') {
      try {
        serial = new X509Certificate(pem).serialNumber.toLowerCase().match(/../g)?.join(':') ?? '';
      } catch {
        throw new ArcaError('invalid_request', 'certificate could not be parsed');
      }
    }
    if (serial === '') throw new ArcaError('invalid_request', 'the serial number must be provided');
    if (!/^[0-9a-f]{2}(?::[0-9a-f]{2})*$/.test(serial))
      throw new ArcaError('invalid_request', `invalid serial number ${serial}`);
    const ca = await requireCa(request.storage);
    if (serial === ca.serial_number)
      throw new ArcaError('invalid_request', 'adding issuer to its own CRL is not allowed');
    const record = await readJson(request.storage, certKey(serial), isCertRecord);
    if (record === undefined)
      throw new ArcaError('invalid_request', `certificate with serial ${serial} not found`);
    if (record.revocation_time === undefined) {
      record.revocation_time = Math.floor(clock.wallMs() / 1000);
      await writeJson(request.storage, certKey(serial), record);
      const list = (await readJson(request.storage, 'crl/revoked', isRevokedList)) ?? {
        number: 0,
        revoked: [],
      };
      list.revoked.push({ serial, time: record.revocation_time });
      await writeJson(request.storage, 'crl/revoked', list);
      await rebuildCrl(request, clock);
    }
    return {
      data: {
        revocation_time: record.revocation_time,
        revocation_time_rfc3339: new Date(record.revocation_time * 1000).toISOString(),
        state: 'revoked',
      },
    };
  };
  const readCert = async (request: BackendRequest): Promise<LogicalResponse> => {
    const serial = request.params.serial ?? '';
    if (serial === 'ca' || serial === 'ca_chain') {
      const ca = await requireCa(request.storage);
      const chain = [ca.certificate, ...ca.chain];
      return {
        data: {
          certificate: serial === 'ca' ? ca.certificate : chain.join('\n'),
          ca_chain: chain,
          revocation_time: 0,
        },
      };
    }
    if (serial === 'crl') {
      const der = await request.storage.get('crl/der');
      if (der === undefined) throw new ArcaError('not_found');
      return { data: { certificate: toPem('X509 CRL', Buffer.from(der)), revocation_time: 0 } };
    }
    const record = await readJson(request.storage, certKey(serial.replace(/-/g, ':')), isCertRecord);
    if (record === undefined) throw new ArcaError('not_found');
    const revoked = record.revocation_time ?? 0;
    return {
      data: {
        certificate: record.certificate,
        revocation_time: revoked,
        revocation_time_rfc3339: revoked === 0 ? '' : new Date(revoked * 1000).toISOString(),
      },
    };
  };
  const tidy = async (request: BackendRequest): Promise<LogicalResponse> => {
    const safetyMs = (request.fields.get<number>('safety_buffer') ?? 72 * 3600) * 1000;
    const tidyStore = request.fields.get<boolean>('tidy_cert_store') ?? false;
    const tidyRevoked = request.fields.get<boolean>('tidy_revoked_certs') ?? false;
    const cutoff = clock.wallMs() - safetyMs;
    let certsDeleted = 0;
    let revokedDeleted = 0;
    const list = (await readJson(request.storage, 'crl/revoked', isRevokedList)) ?? {
      number: 0,
      revoked: [],
    };
    for (const key of await request.storage.list('certs/')) {
      const record = await readJson(request.storage, `certs/${key}`, isCertRecord);
      if (record === undefined || record.not_after_ms >= cutoff) continue;
      const revoked = record.revocation_time !== undefined;
      if ((revoked && tidyRevoked) || (!revoked && tidyStore)) {
        await request.storage.delete(`certs/${key}`);
        certsDeleted += 1;
        if (revoked) {
          list.revoked = list.revoked.filter((r) => r.serial !== key.replace(/-/g, ':'));
          revokedDeleted += 1;
        }
      }
    }
    if (revokedDeleted > 0) {
      await writeJson(request.storage, 'crl/revoked', list);
      await rebuildCrl(request, clock);
    }
    return { data: { cert_store_deleted_count: certsDeleted, revoked_cert_deleted_count: revokedDeleted } };
  };
  return [
    {
      pattern: 'ca',
      unauthenticated: true,
      operations: {
        read: async (r) =>
          raw(
            Buffer.from(
              fromPem((await requireCa(r.storage)).certificate, 'CERTIFICATE')[0] ?? Buffer.alloc(0),
            ),
            'application/pkix-cert',
          ),
      },
    },
    {
      pattern: 'ca/pem',
      unauthenticated: true,
      operations: {
        read: async (r) =>
          raw((await requireCa(r.storage)).certificate + '\n', 'application/pem-certificate-chain'),
      },
    },
    {
      pattern: '(?:ca_chain|cert/ca_chain/raw)',
      unauthenticated: true,
      operations: {
        read: async (r) => {
          const ca = await requireCa(r.storage);
          return raw([ca.certificate, ...ca.chain].join('\n') + '\n', 'application/pem-certificate-chain');
        },
      },
    },
    {
      pattern: 'crl',
      unauthenticated: true,
      operations: {
        read: async (r) => {
          const der = await r.storage.get('crl/der');
          if (der === undefined) throw new ArcaError('not_found');
          return raw(Buffer.from(der), 'application/pkix-crl');
        },
      },
    },
    {
      pattern: 'crl/pem',
      unauthenticated: true,
      operations: {
        read: async (r) => {
          const der = await r.storage.get('crl/der');
          if (der === undefined) throw new ArcaError('not_found');
          return raw(toPem('X509 CRL', Buffer.from(der)) + '\n', 'application/x-pem-file');
        },
      },
    },
    {
      pattern: 'crl/rotate',
      operations: {
        read: async (r) => {
          await requireCa(r.storage);
          await rebuildCrl(r, clock);
          return { data: { success: true } };
        },
      },
    },
    {
      pattern: 'cert/(?<serial>[0-9A-Fa-f:-]+|ca|ca_chain|crl)',
      unauthenticated: true,
      operations: { read: readCert },
      help: 'Fetch a CA, CRL, CA Chain, or non-revoked certificate.',
    },
    {
      pattern: 'certs/?',
      operations: {
        list: async (request) => {
          const keys = (await request.storage.list('certs/')).map((k) => k.replace(/-/g, ':'));
          if (keys.length === 0) throw new ArcaError('not_found');
          return { data: { keys } };
        },
      },
    },
    {
      pattern: 'revoke',
      fields: { serial_number: { type: 'string' }, certificate: { type: 'string' } },
      operations: { update: revoke },
      help: 'Revoke a certificate by serial number.',
    },
    {
      pattern: 'config/urls',
      fields: {
        issuing_certificates: { type: 'string_list' },
        crl_distribution_points: { type: 'string_list' },
        ocsp_servers: { type: 'string_list' },
      },
      operations: {
        read: async (r) => ({ data: { ...(await urlConfig(r)) } }),
        update: async (r) => {
          const current = await urlConfig(r);
          for (const name of ['issuing_certificates', 'crl_distribution_points', 'ocsp_servers'] as const) {
            if (!r.fields.has(name)) continue;
            const urls = r.fields.get<string[]>(name) ?? [];
            for (const url of urls)
              if (!/^https?:\/\/[^\s]+$/.test(url))
                throw new ArcaError('invalid_request', `invalid URL found in ${name}: ${url}`);
            current[name] = urls;
          }
          await writeJson(r.storage, 'config/urls', current);
          return { data: { ...current } };
        },
      },
      help: 'Set the URLs for the issuing CA, CRL distribution points, and OCSP servers.',
    },
    {
      pattern: 'tidy',
      fields: {
        tidy_cert_store: { type: 'bool' },
        tidy_revoked_certs: { type: 'bool' },
        safety_buffer: { type: 'duration', default: 72 * 3600 },
      },
      operations: { update: tidy },
      help: 'Tidy up the backend by removing expired certificates and revocation information.',
    },
  ];
}
