/**
 * The JSON shapes the bench's stand-in servers (bare fastify and the floors) answer with: Vault's
 * response envelope around `data`, exactly as Arca renders it for a KV v2 mount, and KV v2 version
 * metadata. One copy, so every stand-in does the same JSON work as Arca.
 */
import { randomUUID } from 'node:crypto';

/** Vault's response envelope around `data` (a fresh request id each time). */
export function kvEnvelope(data: unknown): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
    mount_type: 'kv',
  };
}

/** KV v2 version metadata for `version`, created at `created` (RFC 3339). */
export function kvVersionMetadata(created: string, version: number): Record<string, unknown> {
  return { created_time: created, custom_metadata: null, deletion_time: '', destroyed: false, version };
}
