/**
 * Typed helpers for integrated storage (`/v1/sys/storage/raft/*`, `sys/ha-status`): join, peers,
 * autopilot, snapshots. Shapes are Vault's (api/sys_raft.go): what Vault returns in `data` is what
 * these return.
 */
import type { ApiCaller } from './caller.js';
import { ApiError } from './errors.js';

/** `sys/storage/raft/join` body. */
export interface RaftJoinRequest {
  leader_api_addr: string;
  retry?: boolean;
  non_voter?: boolean;
  leader_ca_cert?: string;
}

/** One server of `sys/storage/raft/configuration`. */
export interface RaftServer {
  node_id: string;
  address: string;
  leader: boolean;
  protocol_version: string;
  voter: boolean;
}

/** `sys/storage/raft/configuration` data. */
export interface RaftConfiguration {
  config: { index: number; servers: RaftServer[] };
}

/** One server of `sys/storage/raft/autopilot/state`. */
export interface AutopilotServer {
  id: string;
  name: string;
  address: string;
  node_status: string;
  last_contact: string;
  last_term: number;
  last_index: number;
  healthy: boolean;
  stable_since: string;
  status: string;
  version: string;
  node_type: string;
}

/** `sys/storage/raft/autopilot/state` data. */
export interface AutopilotState {
  healthy: boolean;
  failure_tolerance: number;
  optimistic_failure_tolerance: number;
  leader: string;
  voters: string[];
  servers: Record<string, AutopilotServer>;
}

/** `sys/storage/raft/autopilot/configuration` data. */
export interface AutopilotConfiguration {
  cleanup_dead_servers: boolean;
  last_contact_threshold: string;
  dead_server_last_contact_threshold: string;
  max_trailing_logs: number;
  min_quorum: number;
  server_stabilization_time: string;
  disable_upgrade_migration: boolean;
}

/** One node of `sys/ha-status`. */
export interface HaNode {
  hostname: string;
  api_address: string;
  cluster_address: string;
  active_node: boolean;
  last_echo: string | null;
  version: string;
  upgrade_version?: string;
  redundancy_zone?: string;
}

/** Raw byte exchange the snapshot calls need (implemented by `ArcaClient`). */
export interface BytesCaller {
  requestBytes(
    method: string,
    path: string,
    body?: Uint8Array,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>;
}

export class RaftApi {
  constructor(private readonly api: ApiCaller & BytesCaller) {}

  /** Asks this (uninitialised) node to join the cluster whose node answers at `leader_api_addr`. */
  async join(request: RaftJoinRequest): Promise<{ joined: boolean }> {
    const res = await this.api.request('POST', 'sys/storage/raft/join', { body: request });
    return res.body as { joined: boolean };
  }

  async configuration(): Promise<RaftConfiguration> {
    return dataOf<RaftConfiguration>(await this.api.read('sys/storage/raft/configuration'));
  }

  async removePeer(serverId: string): Promise<void> {
    await this.api.write('sys/storage/raft/remove-peer', { server_id: serverId });
  }

  async autopilotState(): Promise<AutopilotState> {
    return dataOf<AutopilotState>(await this.api.read('sys/storage/raft/autopilot/state'));
  }

  async autopilotConfiguration(): Promise<AutopilotConfiguration> {
    return dataOf<AutopilotConfiguration>(await this.api.read('sys/storage/raft/autopilot/configuration'));
  }

  async setAutopilotConfiguration(config: Partial<AutopilotConfiguration>): Promise<void> {
    await this.api.write('sys/storage/raft/autopilot/configuration', { ...config });
  }

  /** `GET sys/storage/raft/snapshot`: the snapshot bytes (barrier ciphertext, checksummed). */
  async snapshotSave(): Promise<Buffer> {
    const res = await this.api.requestBytes('GET', 'sys/storage/raft/snapshot');
    if (res.status !== 200) throw bytesError(res, 'GET /v1/sys/storage/raft/snapshot');
    return res.body;
  }

  /** `POST sys/storage/raft/snapshot` (or `snapshot-force` to accept another keyring's snapshot). */
  async snapshotRestore(snapshot: Uint8Array, force = false): Promise<void> {
    const path = force ? 'sys/storage/raft/snapshot-force' : 'sys/storage/raft/snapshot';
    const res = await this.api.requestBytes('POST', path, snapshot);
    if (res.status >= 400) throw bytesError(res, `POST /v1/${path}`);
  }

  /** `GET sys/ha-status`: the cluster's nodes as the active node sees them. */
  async haStatus(): Promise<{ nodes: HaNode[] }> {
    const res = await this.api.request('GET', 'sys/ha-status');
    const body = res.body as { data?: { nodes: HaNode[] }; nodes?: HaNode[] };
    return { nodes: body.data?.nodes ?? body.nodes ?? [] };
  }
}

function dataOf<T>(secret: { data: unknown } | null): T {
  if (secret === null || secret.data === null || typeof secret.data !== 'object')
    throw new ApiError(0, ['empty response'], 'read');
  return secret.data as T;
}

function bytesError(res: { status: number; body: Buffer }, operation: string): ApiError {
  let errors: string[] = [];
  try {
    const parsed: unknown = JSON.parse(res.body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'errors' in parsed && Array.isArray(parsed.errors))
      errors = parsed.errors.map(String);
  } catch {
    errors = [res.body.toString('utf8').slice(0, 1024)];
  }
  return new ApiError(res.status, errors, operation);
}
