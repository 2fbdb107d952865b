/**
 * The CRL of a PKI mount: the revoked list (`crl/revoked`) and the signed DER (`crl/der`), rebuilt
 * after every revocation, CA change or `crl/rotate` (reads return the stored CRL).
 */
import { X509Certificate } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import type { BackendRequest } from '../../logical/backend.js';
import { subjectNameDer } from './issue.js';
import { caKey, readJson, writeJson } from './store.js';
import { buildCrl } from './x509.js';

import { isCaBundle, isRevokedList } from './shapes.js';
export type { RevokedList } from './types.js';

/** Vault's default CRL validity: 72h. */
const crlExpirySeconds = 72 * 3600;

/** Rebuilds and stores the CRL (called after any change to the CA or the revoked list). */
export async function rebuildCrl(request: BackendRequest, clock: Clock, bump = true): Promise<void> {
  const ca = await readJson(request.storage, 'ca/bundle', isCaBundle);
  if (ca === undefined) return;
  const list = (await readJson(request.storage, 'crl/revoked', isRevokedList)) ?? { number: 0, revoked: [] };
  if (bump) list.number += 1;
  const caCert = new X509Certificate(ca.certificate);
  const nowMs = clock.wallMs();
  const der = buildCrl({
    issuerNameDer: subjectNameDer(caCert.raw),
    issuerKey: caKey(ca),
    issuerPublicKey: caCert.publicKey,
    thisUpdate: new Date(Math.floor(nowMs / 1000) * 1000),
    nextUpdate: new Date(Math.floor(nowMs / 1000) * 1000 + crlExpirySeconds * 1000),
    number: list.number,
    revoked: list.revoked.map((r) => ({
      serial: Buffer.from(r.serial.replace(/:/g, ''), 'hex'),
      revokedAt: new Date(r.time * 1000),
    })),
  });
  await writeJson(request.storage, 'crl/revoked', list);
  await request.storage.put('crl/der', der);
}
