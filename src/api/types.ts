/**
 * Wire types of the Vault-compatible API (snake_case, as sent by the server; Vault's HTTP API docs). Only the fields clients rely on are typed; servers may send more.
 */

/** The `auth` block of a login or token-creation response. */
export interface SecretAuth {
  client_token: string;
  accessor: string;
  policies: string[] | null;
  token_policies: string[] | null;
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: string;
  orphan: boolean;
  num_uses: number;
}

/** `wrap_info` of a wrapped response. */
export interface WrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

/** The response envelope of logical endpoints. */
export interface Secret<Data = Record<string, unknown>> {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: Data | null;
  wrap_info: WrapInfo | null;
  warnings: string[] | null;
  auth: SecretAuth | null;
  mount_type?: string;
}

/** `PUT sys/init` request. */
export interface InitRequest {
  secret_shares: number;
  secret_threshold: number;
  pgp_keys?: string[];
  root_token_pgp_key?: string;
}

/** `PUT sys/init` response. */
export interface InitResponse {
  keys: string[];
  keys_base64: string[];
  root_token: string;
}

/** `GET sys/seal-status` and `PUT sys/unseal` response. */
export interface SealStatus {
  type: string;
  initialized: boolean;
  sealed: boolean;
  t: number;
  n: number;
  progress: number;
  nonce: string;
  version: string;
  build_date?: string;
  migration: boolean;
  recovery_seal: boolean;
  storage_type?: string;
  cluster_name?: string;
  cluster_id?: string;
}

/** `GET sys/health` body (plus the HTTP status, which encodes the state). */
export interface HealthResponse {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  performance_standby?: boolean;
  server_time_utc: number;
  version: string;
  cluster_name?: string;
  cluster_id?: string;
  /** A cluster member's wall-clock offset from its peers (Vault: from the active node), ms. */
  clock_skew_ms?: number;
  /** Arca, cluster members: true while the clock-offset guard refuses this node leadership. */
  clock_offset_fenced?: boolean;
  /** Arca, cluster members: the configured `max_clock_offset`, ms. */
  max_clock_offset_ms?: number;
}

/** `GET sys/leader`. */
export interface LeaderResponse {
  ha_enabled: boolean;
  is_self?: boolean;
  active_time?: string;
  leader_address?: string;
  leader_cluster_address?: string;
  raft_committed_index?: number;
  raft_applied_index?: number;
}

/** One entry of `GET sys/mounts` / `sys/auth`. */
export interface MountEntry {
  type: string;
  description: string;
  accessor: string;
  config: Record<string, unknown>;
  options: Record<string, string> | null;
  local: boolean;
  seal_wrap: boolean;
  uuid?: string;
  [key: string]: unknown;
}

/** `POST sys/mounts/:path` and `sys/auth/:path` body. */
export interface EnableMountRequest {
  type: string;
  description?: string;
  config?: Record<string, unknown>;
  options?: Record<string, string>;
  local?: boolean;
  seal_wrap?: boolean;
}

/** `GET sys/internal/ui/mounts/:path` data: the mount serving a path (used for KV version detection). */
export interface MountInfo {
  path: string;
  type: string;
  options: Record<string, string> | null;
  [key: string]: unknown;
}
