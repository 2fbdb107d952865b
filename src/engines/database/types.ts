/**
 * The database engine's stored records (all in the mount's barrier-encrypted view) and their shape
 * checks: connection configs (`config/<name>`), dynamic roles (`role/<name>`) and static roles
 * (`static-role/<name>`), as Vault lays them out. Secrets (the root password, a static account's
 * current password) live only here, behind the barrier; reads render redacted views of them.
 */
import { arrayOf, bool, num, object, optional, str, type Shape } from '../../lib/shape.js';

/** The one plugin Arca implements. */
export const postgresPluginName = 'postgresql-database-plugin';

/** What the client sent for the plugin itself (Vault's `connection_details`), merged on update. */
export interface ConnectionDetails {
  connection_url: string;
  username?: string;
  /** The root password: never returned, never logged. */
  password?: string;
  max_open_connections?: number;
  max_idle_connections?: number;
  max_connection_lifetime?: number;
  password_authentication?: string;
}

/** `config/<name>`. */
export interface ConnectionConfig {
  plugin_name: string;
  verify_connection: boolean;
  allowed_roles: string[];
  root_credentials_rotate_statements: string[];
  connection_details: ConnectionDetails;
}

/** `role/<name>`: a dynamic role (a new user per `creds` request). */
export interface DynamicRole {
  db_name: string;
  creation_statements: string[];
  revocation_statements: string[];
  rollback_statements: string[];
  renew_statements: string[];
  default_ttl: number;
  max_ttl: number;
}

/** `static-role/<name>`: one existing database user whose password Arca rotates. */
export interface StaticRole {
  db_name: string;
  username: string;
  rotation_period: number;
  rotation_statements: string[];
  /** The current password (behind the barrier; only `static-creds` shows it). */
  password: string;
  /** Wall-clock ms of the last successful rotation; 0 = never. */
  last_vault_rotation_ms: number;
}

const strings = arrayOf(str);

/** Shape of a stored connection config. */
export const connectionConfigShape: Shape<ConnectionConfig> = object<ConnectionConfig>({
  plugin_name: str,
  verify_connection: bool,
  allowed_roles: strings,
  root_credentials_rotate_statements: strings,
  connection_details: object<ConnectionDetails>({
    connection_url: str,
    username: optional(str),
    password: optional(str),
    max_open_connections: optional(num),
    max_idle_connections: optional(num),
    max_connection_lifetime: optional(num),
    password_authentication: optional(str),
  }),
});

/** Shape of a stored dynamic role. */
export const dynamicRoleShape: Shape<DynamicRole> = object<DynamicRole>({
  db_name: str,
  creation_statements: strings,
  revocation_statements: strings,
  rollback_statements: strings,
  renew_statements: strings,
  default_ttl: num,
  max_ttl: num,
});

/** Shape of a stored static role. */
export const staticRoleShape: Shape<StaticRole> = object<StaticRole>({
  db_name: str,
  username: str,
  rotation_period: num,
  rotation_statements: strings,
  password: str,
  last_vault_rotation_ms: num,
});
