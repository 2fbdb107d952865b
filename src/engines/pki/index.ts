/**
 * The PKI secrets engine, API-compatible with Vault's for a single issuer per mount: root and
 * intermediate CAs, roles, issue/sign/sign-verbatim, revocation with a signed CRL, CA and
 * certificate reads. Keys are generated with node:crypto; certificates, CSRs and CRLs are built
 * as DER (./x509.ts) and signed with node:crypto. CA keys live only behind the barrier.
 */
import type { BackendFactory } from '../../logical/backend.js';
import { caPaths } from './ca-paths.js';
import { issuePaths } from './issue.js';
import { revocationPaths } from './revocation-paths.js';
import { rolePaths } from './roles.js';

/** Mounts a PKI engine. */
export const pkiBackendFactory: BackendFactory = async (config) => ({
  type: 'pki',
  paths: [
    ...rolePaths(),
    ...issuePaths(config.clock),
    ...caPaths(config.clock),
    ...revocationPaths(config.clock),
  ],
});
