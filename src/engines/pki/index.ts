/**
 * The PKI secrets engine, API-compatible with Vault's for a single issuer per mount: root and
 * intermediate CAs, roles, issue/sign/sign-verbatim, revocation with a signed CRL, CA and
 * certificate reads. Keys are generated with node:crypto; certificates, CSRs and CRLs are built
 * as DER (./x509.ts) and signed with node:crypto. CA keys live only behind the barrier.
 */
import type { BackendFactory } from '../../logical/backend.js';

/**
 * Mounts a PKI engine. The path modules (and node-forge under them) are loaded on the first
 * mount, not when the server or CLI starts.
 */
export const pkiBackendFactory: BackendFactory = async (config) => {
  const [{ caPaths }, { issuePaths }, { revocationPaths }, { rolePaths }] = await Promise.all([
    import('./ca-paths.js'),
    import('./issue.js'),
    import('./revocation-paths.js'),
    import('./roles.js'),
  ]);
  return {
    type: 'pki',
    paths: [
      ...rolePaths(),
      ...issuePaths(config.clock),
      ...caPaths(config.clock),
      ...revocationPaths(config.clock),
    ],
  };
};
