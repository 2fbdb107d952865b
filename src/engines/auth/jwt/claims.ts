/**
 * Claim checks of a JWT login, after the signature is verified (vault-plugin-auth-jwt with
 * hashicorp/cap's validator): issuer, subject and audience; `nbf`/`exp`/`iat` against the engine's
 * clock with the role's leeways (0 = default, negative = none); `bound_claims` (exact or glob,
 * lists match any); the user claim, `claim_mappings` into metadata and the groups claim. Every
 * failure is a Vault message (the caller prefixes `error validating token: ` or
 * `error validating claims: ` as Vault does).
 */

/** What a role asserts about a token. */
export interface ClaimExpectations {
  boundIssuer: string;
  boundSubject: string;
  boundAudiences: string[];
  clockSkewLeewaySeconds: number;
  expirationLeewaySeconds: number;
  notBeforeLeewaySeconds: number;
}

/** Vault's (cap's) default leeways. */
export const defaultLeewaySeconds = 150;
export const defaultClockSkewSeconds = 60;

/** A claims failure with Vault's text. */
export class ClaimError extends Error {}

function fail(message: string): never {
  throw new ClaimError(message);
}

function numeric(claims: Record<string, unknown>, name: string): number {
  const value = claims[name];
  return typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : 0;
}

function leeway(configured: number, fallback: number): number {
  if (configured < 0) return 0;
  return configured === 0 ? fallback : configured;
}

function audienceOf(claims: Record<string, unknown>): string[] {
  const aud = claims.aud;
  if (typeof aud === 'string') return aud === '' ? [] : [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}

/** cap's `Validate` after the signature: registered claims and times (`nowSeconds`: the clock). */
export function validateRegisteredClaims(
  claims: Record<string, unknown>,
  expected: ClaimExpectations,
  nowSeconds: number,
): void {
  const iat = numeric(claims, 'iat');
  let exp = numeric(claims, 'exp');
  let nbf = numeric(claims, 'nbf');
  if (iat === 0 && exp === 0 && nbf === 0) {
    fail('no issued at (iat), not before (nbf), or expiration time (exp) claims in token');
  }
  if (exp === 0) exp = Math.max(iat, nbf) + leeway(expected.expirationLeewaySeconds, defaultLeewaySeconds);
  if (nbf === 0) {
    nbf = iat !== 0 ? iat : exp - leeway(expected.notBeforeLeewaySeconds, defaultLeewaySeconds);
  }
  const skew = leeway(expected.clockSkewLeewaySeconds, defaultClockSkewSeconds);
  if (expected.boundIssuer !== '' && claims.iss !== expected.boundIssuer) fail('invalid issuer (iss) claim');
  if (expected.boundSubject !== '' && claims.sub !== expected.boundSubject) {
    fail('invalid subject (sub) claim');
  }
  const audiences = audienceOf(claims);
  if (expected.boundAudiences.length > 0 && !expected.boundAudiences.some((a) => audiences.includes(a))) {
    fail('invalid audience (aud) claim: audience claim does not match any expected audience');
  }
  if (nowSeconds + skew < nbf) fail('invalid not before (nbf) claim: token not yet valid');
  if (nowSeconds - skew > exp) fail('invalid expiration time (exp) claim: token is expired');
  if (iat !== 0 && nowSeconds + skew < iat) fail('invalid issued at (iat) claim: token issued in the future');
}

/** Vault's extra rule: a role with no bound audiences refuses any token that has one. */
export function checkUnboundAudience(claims: Record<string, unknown>, boundAudiences: string[]): void {
  if (boundAudiences.length === 0 && audienceOf(claims).length > 0) {
    fail('audience claim found in JWT but no audiences bound to the role');
  }
}

/** A claim by name, or by JSON pointer when it starts with `/` (Vault's `getClaim`). */
export function getClaim(claims: Record<string, unknown>, name: string): unknown {
  if (!name.startsWith('/')) return claims[name];
  let node: unknown = claims;
  for (const raw of name.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null) return undefined;
    node = Array.isArray(node) ? node[Number(key)] : (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Scalars become a one-item list; numbers compare as their integer text (Vault's json.Number). */
function normalizeList(value: unknown): unknown[] | undefined {
  const scalar = (v: unknown): unknown => (typeof v === 'number' ? String(Math.trunc(v)) : v);
  if (Array.isArray(value)) return value.map(scalar);
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number')
    return [scalar(value)];
  return undefined;
}

/** go-glob: `*` matches any run of characters; nothing else is special. */
export function globMatch(pattern: string, value: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!value.startsWith(first) || value.length < first.length + last.length) return false;
  let at = first.length;
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, at);
    if (found < 0) return false;
    at = found + middle.length;
  }
  return value.length - last.length >= at && value.endsWith(last);
}

/** `bound_claims`: every bound claim must match one of its values (glob when `useGlobs`). */
export function validateBoundClaims(
  claims: Record<string, unknown>,
  bound: Record<string, unknown>,
  useGlobs: boolean,
): void {
  for (const [name, expected] of Object.entries(bound)) {
    const actual = getClaim(claims, name);
    if (actual === undefined || actual === null) fail(`claim ${JSON.stringify(name)} is missing`);
    const actuals = normalizeList(actual);
    if (actuals === undefined) fail('received claim is not a string, bool, int or list');
    const expecteds = normalizeList(expected);
    if (expecteds === undefined) fail('bound claim is not a string, bool, int or list');
    const found = expecteds.some((e) =>
      actuals.some((a) =>
        useGlobs ? typeof e === 'string' && typeof a === 'string' && globMatch(e, a) : a === e,
      ),
    );
    if (!found) fail(`claim ${JSON.stringify(name)} does not match any associated bound claim values`);
  }
}

/** The user claim as a string (Vault's `createIdentity`). */
export function userName(claims: Record<string, unknown>, userClaim: string): string {
  const value = getClaim(claims, userClaim);
  if (value === undefined || value === null) fail(`claim ${JSON.stringify(userClaim)} not found in token`);
  if (typeof value !== 'string') fail(`claim ${JSON.stringify(userClaim)} could not be converted to string`);
  return value;
}

/** `claim_mappings` (claim → metadata key); a present claim must be a string. */
export function mappedMetadata(
  claims: Record<string, unknown>,
  mappings: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [source, target] of Object.entries(mappings)) {
    const value = getClaim(claims, source);
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') fail(`error converting claim '${source}' to string`);
    out[target] = value;
  }
  return out;
}

/** The groups claim as a list of names (empty names dropped). */
export function groupNames(claims: Record<string, unknown>, groupsClaim: string): string[] {
  const raw = getClaim(claims, groupsClaim);
  if (raw === undefined || raw === null)
    fail(`failed to fetch groups: ${JSON.stringify(groupsClaim)} claim not found in token`);
  const list = normalizeList(raw);
  if (list === undefined) fail(`${JSON.stringify(groupsClaim)} claim could not be converted to string list`);
  return list
    .map((g) => {
      if (typeof g !== 'string') fail(`value ${String(g)} in groups claim could not be parsed as string`);
      return g;
    })
    .filter((g) => g !== '');
}
