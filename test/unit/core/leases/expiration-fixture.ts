/**
 * The expiration manager as core's runtime wires it, without the rest of core: one
 * ExpirationManager over real LevelDB with the lease manager (the lease test engine mounted at
 * `db/`) and the token store as its two kinds, a fake clock, and a switch for "active".
 * `restart()` builds a new manager, lease manager and token store over the same directory and runs
 * the restore, as a node that becomes active does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../../src/lib/clock.js';
import { SeededRng } from '../../../../src/lib/rng.js';
import { ExpirationManager } from '../../../../src/core/expiration.js';
import { LeaseManager } from '../../../../src/core/leases.js';
import { defaultLeaseTiming, type LeaseTiming } from '../../../../src/core/leases-timing.js';
import { PrefixedStorageView } from '../../../../src/core/storage-view.js';
import { tokenKeys } from '../../../../src/core/tokens/token-entry.js';
import { TokenStore } from '../../../../src/core/tokens/token-store.js';
import { LevelPhysical } from '../../../../src/storage/physical/leveldb.js';
import { RecordingLogger } from '../../../helpers/core/core-harness.js';
import { leaseEngine } from '../../../helpers/core/lease-engine.js';

/** One node's expiration state over the shared directory. */
export interface ExpirationNode {
  expiration: ExpirationManager;
  manager: LeaseManager;
  tokens: TokenStore;
}

export async function expirationFixture(timing: Partial<LeaseTiming> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'arca-expiration-'));
  const physical = await LevelPhysical.open(dir);
  const clock = new FakeClock();
  const { factory, control } = leaseEngine();
  const mountStorage = new PrefixedStorageView(physical, 'logical/db/');
  const backend = await factory({
    mountPoint: 'db/',
    options: {},
    storage: mountStorage,
    clock,
    rng: new SeededRng(3),
  });
  const state = { active: true, liveTokens: new Set(['t-live']), revokedTokens: [] as string[] };
  const logger = new RecordingLogger();
  const fullTiming = { ...defaultLeaseTiming, ...timing };
  const system = new PrefixedStorageView(physical, 'sys/');

  const buildNode = (): ExpirationNode => {
    const expiration = new ExpirationManager({
      clock,
      logger,
      timing: fullTiming,
      isActive: () => state.active,
    });
    const manager = new LeaseManager({
      storage: system,
      clock,
      rng: new SeededRng(4),
      logger,
      timing: fullTiming,
      expiration,
      resolveMount: (path) =>
        path.startsWith('db/') ? { backend, storage: mountStorage, mountPoint: 'db/' } : undefined,
      mountTtls: () => ({ defaultSeconds: 3600, maxSeconds: 7200 }),
      tokenExists: async (accessor) => state.liveTokens.has(accessor),
    });
    const tokens = new TokenStore({
      storage: system.sub('token/'),
      clock,
      expiry: expiration.tracker('token'),
      maxClockOffsetMs: fullTiming.maxClockOffsetMs,
      onRevoke: async (entry) => {
        state.revokedTokens.push(entry.accessor);
        await manager.revokeByToken(entry.accessor);
      },
    });
    expiration.setHandler('token', tokens.expiryHandler());
    return { expiration, manager, tokens };
  };

  let node = buildNode();
  await node.tokens.initialize();
  const fixture = {
    get expiration() {
      return node.expiration;
    },
    get manager() {
      return node.manager;
    },
    get tokens() {
      return node.tokens;
    },
    clock,
    control,
    state,
    logger,
    issue: (role: string, ttlSeconds: number, tokenAccessor = 't-live') =>
      node.manager.register({
        path: `db/creds/${role}`,
        ttlSeconds,
        renewable: true,
        tokenAccessor,
        secretType: 'cred',
        internalData: { username: `u-${role}` },
      }),
    /** A service token with `ttlSeconds` (child of `parentIdHash` when given). */
    token: (ttlSeconds: number, parentIdHash?: string) =>
      node.tokens.createToken({
        policies: ['default'],
        path: 'auth/token/create',
        displayName: 'token',
        ttlSeconds,
        ...(parentIdHash === undefined ? {} : { parentIdHash }),
      }),
    /** Whether the token's entry is still stored (revoked tokens are deleted). */
    storedToken: async (idHash: string): Promise<boolean> =>
      (await physical.get(`sys/token/${tokenKeys.entry(idHash)}`)) !== undefined,
    /** The old node stops (deactivation); a new one is built over the same storage and restores. */
    restart: async (): Promise<ExpirationNode> => {
      node.expiration.stop();
      node = buildNode();
      await node.tokens.initialize();
      await node.expiration.restore();
      return node;
    },
    close: async () => {
      await physical.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}
