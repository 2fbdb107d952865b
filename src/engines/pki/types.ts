/** The PKI engine's stored record types (no imports, so every module can share them). */

/** The mount's CA: its certificate, PKCS#8 key and the chain above it (PEM, nearest first). */
export interface CaBundle {
  certificate: string;
  private_key_der: string;
  chain: string[];
  serial_number: string;
  key_type: string;
}

/** An issued certificate record. */
export interface CertRecord {
  certificate: string;
  not_after_ms: number;
  revocation_time?: number;
}

/** `config/urls`. */
export interface UrlConfig {
  issuing_certificates: string[];
  crl_distribution_points: string[];
  ocsp_servers: string[];
}

/** A stored role. */
export interface PkiRole {
  allowed_domains: string[];
  allow_subdomains: boolean;
  allow_glob_domains: boolean;
  allow_any_name: boolean;
  allow_bare_domains: boolean;
  allow_localhost: boolean;
  allow_ip_sans: boolean;
  enforce_hostnames: boolean;
  key_type: string;
  key_bits: number;
  ttl: number;
  max_ttl: number;
  generate_lease: boolean;
  no_store: boolean;
  server_flag: boolean;
  client_flag: boolean;
}

/** The revoked serials and the CRL number. */
export interface RevokedList {
  number: number;
  revoked: { serial: string; time: number }[];
}
