/**
 * What one AppRole mount keeps in memory: the locks that make role edits and secret-id use
 * counts atomic on this node (the active node serves every write), and the injected clock.
 */
import type { Clock } from '../../../lib/clock.js';
import { KeyedMutex } from '../../../lib/keyed-mutex.js';

export interface ApproleState {
  /** Serialises writes of one role (by name). */
  roleLock: KeyedMutex;
  /** Serialises the read-modify-write of one secret id (by its storage key). */
  secretIdLock: KeyedMutex;
  clock: Clock;
}

/** Fresh state for a mount. */
export function newApproleState(clock: Clock): ApproleState {
  return { roleLock: new KeyedMutex(), secretIdLock: new KeyedMutex(), clock };
}
