/**
 * Typed helpers for the key-holder ceremonies (Vault's HTTP API): `sys/rekey/*` (raw JSON bodies,
 * no token needed), `sys/rekey/backup` (envelope, sudo) and `sys/generate-root/*` (raw JSON).
 * Field names are Vault's, so the responses are returned as the server sent them.
 */
import type { ApiCaller } from './caller.js';

/** `GET|PUT sys/rekey/init` and a not-yet-complete `sys/rekey/update`. */
export interface RekeyStatus {
  nonce: string;
  started: boolean;
  t: number;
  n: number;
  progress: number;
  required: number;
  pgp_fingerprints: string[] | null;
  backup: boolean;
  verification_required: boolean;
  verification_nonce?: string;
  /** Present (true) on the completing `sys/rekey/update`, with the new keys. */
  complete?: boolean;
  keys?: string[];
  keys_base64?: string[];
}

/** `PUT sys/rekey/init` body. */
export interface RekeyInitRequest {
  secret_shares: number;
  secret_threshold: number;
  pgp_keys?: string[];
  backup?: boolean;
  require_verification?: boolean;
}

/** `sys/rekey/verify` status; `complete` only on the completing PUT. */
export interface RekeyVerifyStatus {
  nonce: string;
  started?: boolean;
  t?: number;
  n?: number;
  progress?: number;
  complete?: boolean;
}

/** `sys/rekey/backup` data. */
export interface RekeyBackup {
  nonce: string;
  keys: Record<string, string[]>;
  keys_base64: Record<string, string[]>;
}

/** `sys/generate-root/attempt` and `update`. */
export interface GenerateRootStatus {
  nonce: string;
  started: boolean;
  progress: number;
  required: number;
  complete: boolean;
  encoded_token: string;
  encoded_root_token: string;
  pgp_fingerprint: string;
  otp: string;
  otp_length: number;
}

export class CeremonyApi {
  constructor(private readonly api: ApiCaller) {}

  async rekeyStatus(): Promise<RekeyStatus> {
    return (await this.api.request('GET', 'sys/rekey/init')).body as RekeyStatus;
  }

  async rekeyInit(request: RekeyInitRequest): Promise<RekeyStatus> {
    return (await this.api.request('PUT', 'sys/rekey/init', { body: { ...request } })).body as RekeyStatus;
  }

  async rekeyCancel(): Promise<void> {
    await this.api.request('DELETE', 'sys/rekey/init');
  }

  async rekeyUpdate(key: string, nonce: string): Promise<RekeyStatus> {
    return (await this.api.request('PUT', 'sys/rekey/update', { body: { key, nonce } })).body as RekeyStatus;
  }

  async rekeyVerifyStatus(): Promise<RekeyVerifyStatus> {
    return (await this.api.request('GET', 'sys/rekey/verify')).body as RekeyVerifyStatus;
  }

  async rekeyVerifyUpdate(key: string, nonce: string): Promise<RekeyVerifyStatus> {
    return (await this.api.request('PUT', 'sys/rekey/verify', { body: { key, nonce } }))
      .body as RekeyVerifyStatus;
  }

  /** `DELETE sys/rekey/verify`: restarts verification (new nonce), returns its status. */
  async rekeyVerifyCancel(): Promise<RekeyVerifyStatus> {
    return (await this.api.request('DELETE', 'sys/rekey/verify')).body as RekeyVerifyStatus;
  }

  async rekeyBackup(): Promise<RekeyBackup> {
    const secret = await this.api.read<RekeyBackup>('sys/rekey/backup');
    return secret?.data ?? { nonce: '', keys: {}, keys_base64: {} };
  }

  async rekeyBackupDelete(): Promise<void> {
    await this.api.request('DELETE', 'sys/rekey/backup');
  }

  async generateRootStatus(): Promise<GenerateRootStatus> {
    return (await this.api.request('GET', 'sys/generate-root/attempt')).body as GenerateRootStatus;
  }

  /** Starts an attempt: no argument = the server makes the OTP (returned once in `otp`). */
  async generateRootInit(request: { otp?: string; pgp_key?: string } = {}): Promise<GenerateRootStatus> {
    return (await this.api.request('PUT', 'sys/generate-root/attempt', { body: { ...request } }))
      .body as GenerateRootStatus;
  }

  async generateRootCancel(): Promise<void> {
    await this.api.request('DELETE', 'sys/generate-root/attempt');
  }

  async generateRootUpdate(key: string, nonce: string): Promise<GenerateRootStatus> {
    return (await this.api.request('PUT', 'sys/generate-root/update', { body: { key, nonce } }))
      .body as GenerateRootStatus;
  }
}
