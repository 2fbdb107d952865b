/**
 * What every path of one database mount shares: the injected clock and rng, the live connections,
 * and per-name locks so config writes, rotate-root and static rotations never interleave on the
 * same record (read-modify-write over async storage).
 */
import type { Clock } from '../../lib/clock.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import type { Rng } from '../../lib/rng.js';
import { Connections } from './connections.js';

export interface DatabaseContext {
  clock: Clock;
  rng: Rng;
  connections: Connections;
  locks: KeyedMutex;
}

/** A fresh context for one mount instance. */
export function newDatabaseContext(clock: Clock, rng: Rng): DatabaseContext {
  return { clock, rng, connections: new Connections(), locks: new KeyedMutex() };
}

/** Vault's GenericNameRegex("name"). */
export const namePattern = '(?<name>\\w(?:[\\w.-]*\\w)?)';

/** Vault's `strutil.StrListContainsGlob`: `*` matches any run of characters. */
export function globListContains(patterns: readonly string[], value: string): boolean {
  return patterns.some((pattern) => {
    const regex = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    return new RegExp(`^${regex}$`).test(value);
  });
}
