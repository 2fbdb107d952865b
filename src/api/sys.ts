/**
 * Typed helpers for the system backend (`/v1/sys/*`): seal lifecycle, health, leader, mounts,
 * auth methods, policies, capabilities (Vault's HTTP API docs). Raw (non-envelope) endpoints return
 * their JSON objects; envelope endpoints return `data`.
 */
import type { ApiCaller } from './caller.js';
import { ApiError } from './errors.js';
import type {
  EnableMountRequest,
  HealthResponse,
  InitRequest,
  InitResponse,
  LeaderResponse,
  MountEntry,
  MountInfo,
  SealStatus,
} from './types.js';

/** Statuses sys/health uses to encode state (standby, DR, perf standby, unhealthy, uninit, sealed, removed). */
const healthStatuses = [429, 472, 473, 474, 501, 503, 530];

/** A mount path as Vault stores it: no leading `/`, one trailing `/`. */
export function normaliseMountPath(path: string): string {
  return `${path.replace(/^\/+/, '').replace(/\/+$/, '')}/`;
}

export class SysApi {
  constructor(private readonly api: ApiCaller) {}

  /** `GET sys/init`. */
  async initStatus(): Promise<boolean> {
    const res = await this.api.request('GET', 'sys/init');
    return (res.body as { initialized: boolean }).initialized;
  }

  /** `PUT sys/init`: returns the unseal key shares and the root token (shown once). */
  async init(request: InitRequest): Promise<InitResponse> {
    return (await this.api.request('PUT', 'sys/init', { body: request })).body as InitResponse;
  }

  async sealStatus(): Promise<SealStatus> {
    return (await this.api.request('GET', 'sys/seal-status')).body as SealStatus;
  }

  /** Submits one unseal key share; returns the progress. */
  async unseal(key: string): Promise<SealStatus> {
    return (await this.api.request('PUT', 'sys/unseal', { body: { key } })).body as SealStatus;
  }

  /** Discards the shares submitted so far. */
  async unsealReset(): Promise<SealStatus> {
    return (await this.api.request('PUT', 'sys/unseal', { body: { reset: true } })).body as SealStatus;
  }

  async seal(): Promise<void> {
    await this.api.request('PUT', 'sys/seal');
  }

  async stepDown(): Promise<void> {
    await this.api.request('PUT', 'sys/step-down');
  }

  /** `GET sys/health`: the state-encoding status codes are returned, not thrown. */
  async health(query: Record<string, string> = {}): Promise<{ status: number; body: HealthResponse }> {
    const res = await this.api.request('GET', 'sys/health', { query, acceptStatuses: healthStatuses });
    return { status: res.status, body: res.body as HealthResponse };
  }

  async leader(): Promise<LeaderResponse> {
    return (await this.api.request('GET', 'sys/leader')).body as LeaderResponse;
  }

  /** `GET sys/mounts`: mount path → entry. */
  async listMounts(): Promise<Record<string, MountEntry>> {
    return dataOf<Record<string, MountEntry>>(await this.api.read('sys/mounts'), 'sys/mounts');
  }

  async enableMount(path: string, request: EnableMountRequest): Promise<void> {
    await this.api.write(`sys/mounts/${normaliseMountPath(path)}`, { ...request });
  }

  async disableMount(path: string): Promise<void> {
    await this.api.delete(`sys/mounts/${normaliseMountPath(path)}`);
  }

  async readMountTune(path: string): Promise<Record<string, unknown>> {
    const tunePath = `sys/mounts/${normaliseMountPath(path)}tune`;
    return dataOf(await this.api.read(tunePath), tunePath);
  }

  async tuneMount(path: string, config: Record<string, unknown>): Promise<void> {
    await this.api.write(`sys/mounts/${normaliseMountPath(path)}tune`, config);
  }

  /** `GET sys/auth`: auth mount path → entry. */
  async listAuth(): Promise<Record<string, MountEntry>> {
    return dataOf<Record<string, MountEntry>>(await this.api.read('sys/auth'), 'sys/auth');
  }

  async enableAuth(path: string, request: EnableMountRequest): Promise<void> {
    await this.api.write(`sys/auth/${normaliseMountPath(path)}`, { ...request });
  }

  async disableAuth(path: string): Promise<void> {
    await this.api.delete(`sys/auth/${normaliseMountPath(path)}`);
  }

  /** `POST sys/auth/<path>/tune`. */
  async tuneAuth(path: string, config: Record<string, unknown>): Promise<void> {
    await this.api.write(`sys/auth/${normaliseMountPath(path)}tune`, config);
  }

  /** `LIST sys/policies/acl`. */
  async listPolicies(): Promise<string[]> {
    return (await this.api.list('sys/policies/acl'))?.data?.keys ?? [];
  }

  /** The policy text, or null when there is no such policy. */
  async readPolicy(name: string): Promise<string | null> {
    const secret = await this.api.read<{ name: string; policy: string }>(`sys/policies/acl/${name}`);
    return secret?.data?.policy ?? null;
  }

  async writePolicy(name: string, policy: string): Promise<void> {
    await this.api.write(`sys/policies/acl/${name}`, { policy });
  }

  async deletePolicy(name: string): Promise<void> {
    await this.api.delete(`sys/policies/acl/${name}`);
  }

  /** The mount serving `path` (`sys/internal/ui/mounts/<path>`), or null when none is visible. */
  async mountInfo(path: string): Promise<MountInfo | null> {
    const secret = await this.api.read<MountInfo>(`sys/internal/ui/mounts/${path.replace(/^\/+/, '')}`);
    return secret?.data ?? null;
  }

  /** Capabilities on each path: of the client's own token, or of `token` (`sys/capabilities`). */
  async capabilities(paths: string[], token?: string): Promise<Record<string, string[]>> {
    const endpoint = token === undefined ? 'sys/capabilities-self' : 'sys/capabilities';
    const body: Record<string, unknown> = token === undefined ? { paths } : { paths, token };
    const data = dataOf<Record<string, unknown>>(await this.api.write(endpoint, body), endpoint);
    const out: Record<string, string[]> = {};
    for (const path of paths) out[path] = Array.isArray(data[path]) ? (data[path] as string[]) : [];
    return out;
  }
}

function dataOf<T = Record<string, unknown>>(secret: { data: unknown } | null, path: string): T {
  if (!secret || secret.data === null || typeof secret.data !== 'object') {
    throw new ApiError(404, [`no data returned from ${path}`], `GET /v1/${path}`);
  }
  return secret.data as T;
}
