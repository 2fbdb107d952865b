/**
 * Builds the key-holder ceremonies for one core: rekey and generate-root over the seal and the
 * barrier, their record writer, and their sys paths (Vault's `sys/rekey/*`,
 * `sys/generate-root/*`, and the authenticated `sys/rotate/root/*`). Core clears them whenever
 * the runtime stops (seal, standby), so no share or pending key outlives an unseal.
 */
import type { Clock } from '../../lib/clock.js';
import type { PathSpec } from '../../logical/backend.js';
import type { Barrier } from '../../storage/barrier/barrier.js';
import type { ShamirSeal } from '../../storage/seal/shamir-seal.js';
import type { AuditBroker } from '../audit-broker.js';
import type { CoreLogger } from '../mounts.js';
import { generateRootPaths } from '../system/generate-root-paths.js';
import { rekeyPaths } from '../system/rekey-paths.js';
import type { CeremonyContext } from './ceremony-context.js';
import { CeremonyRecorder } from './ceremony-record.js';
import { GenerateRootCeremony, type MintedRootToken } from './generate-root.js';
import { RekeyCeremony } from './rekey.js';

/** What the ceremonies need from core. */
export interface CeremonyDeps {
  seal: ShamirSeal;
  barrier: Barrier;
  logger: CoreLogger;
  clock: Clock;
  /** The audit broker in use (undefined: none). */
  audit(): AuditBroker | undefined;
  /** Creates a root token through the token store (503 when not serving). */
  mintRootToken(): Promise<MintedRootToken>;
}

/** The built ceremonies. */
export interface Ceremonies {
  context: CeremonyContext;
  /** The sys paths, relative to `sys/`. */
  paths: PathSpec[];
  /** Forgets every attempt, zeroizing shares and pending keys. */
  clear(): void;
}

export function buildCeremonies(deps: CeremonyDeps): Ceremonies {
  const context: CeremonyContext = {
    rekey: new RekeyCeremony(deps.seal, deps.barrier),
    generateRoot: new GenerateRootCeremony(deps.seal, () => deps.mintRootToken()),
    recorder: new CeremonyRecorder(deps.logger, deps.clock, () => deps.audit()),
    backupStorage: deps.barrier,
  };
  return {
    context,
    paths: [...rekeyPaths(context), ...generateRootPaths(context)],
    clear: () => {
      context.rekey.clear();
      context.generateRoot.clear();
    },
  };
}
