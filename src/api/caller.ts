/**
 * What the typed helpers (sys, tokens, kv) need from the client: the generic logical calls and
 * raw requests. A separate interface so helpers do not import the client (no import cycle) and
 * can be exercised with any implementation.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Secret } from './types.js';

/** A raw HTTP exchange: status, headers and the parsed JSON body (undefined when empty or not JSON). */
export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
  text: string;
}

/** Query parameters: arrays are sent as repeated parameters. */
export type Query = Record<string, string | number | boolean | string[] | undefined>;

/** Options of one request. */
export interface RequestOptions {
  query?: Query;
  /** JSON body. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Statuses (besides 2xx) returned instead of thrown. */
  acceptStatuses?: number[];
}

/** The generic API surface (see client.ts for the semantics). */
export interface ApiCaller {
  request(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
  read<Data = Record<string, unknown>>(path: string, query?: Query): Promise<Secret<Data> | null>;
  write<Data = Record<string, unknown>>(
    path: string,
    data?: Record<string, unknown>,
  ): Promise<Secret<Data> | null>;
  delete<Data = Record<string, unknown>>(path: string, query?: Query): Promise<Secret<Data> | null>;
  list(path: string): Promise<Secret<{ keys: string[] }> | null>;
  patch<Data = Record<string, unknown>>(
    path: string,
    data: Record<string, unknown>,
  ): Promise<Secret<Data> | null>;
}
