/**
 * Reads and writes the engine's JSON records with shape checks: a record that does not parse or
 * has the wrong shape is corruption (500 `integrity_failure`), never a client error.
 */
import { decodeStoredJson, type Shape } from '../../lib/shape.js';
import type { StorageView } from '../../logical/storage-view.js';
import {
  connectionConfigShape,
  dynamicRoleShape,
  staticRoleShape,
  type ConnectionConfig,
  type DynamicRole,
  type StaticRole,
} from './types.js';

const encoder = new TextEncoder();

async function read<T>(storage: StorageView, key: string, shape: Shape<T>): Promise<T | undefined> {
  const raw = await storage.get(key);
  return raw === undefined ? undefined : decodeStoredJson(raw, shape, `database entry ${key}`);
}

/** Writes one JSON record. */
export async function writeRecord(storage: StorageView, key: string, value: unknown): Promise<void> {
  await storage.put(key, encoder.encode(JSON.stringify(value)));
}

/** Storage keys, as Vault names them. */
export const keys = {
  config: (name: string) => `config/${name}`,
  role: (name: string) => `role/${name}`,
  staticRole: (name: string) => `static-role/${name}`,
};

/** The connection config `name`, if any. */
export function readConfig(storage: StorageView, name: string): Promise<ConnectionConfig | undefined> {
  return read(storage, keys.config(name), connectionConfigShape);
}

/** The dynamic role `name`, if any. */
export function readRole(storage: StorageView, name: string): Promise<DynamicRole | undefined> {
  return read(storage, keys.role(name), dynamicRoleShape);
}

/** The static role `name`, if any. */
export function readStaticRole(storage: StorageView, name: string): Promise<StaticRole | undefined> {
  return read(storage, keys.staticRole(name), staticRoleShape);
}
