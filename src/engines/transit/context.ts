/** What the transit paths share for the life of a mount. */
import type { Clock } from '../../lib/clock.js';
import type { KeyedMutex } from '../../lib/keyed-mutex.js';

/** Mount-wide state: the clock and a per-key-name lock for read-modify-write of a policy. */
export interface TransitContext {
  clock: Clock;
  locks: KeyedMutex;
}
