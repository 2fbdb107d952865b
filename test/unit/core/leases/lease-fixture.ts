/**
 * A core over real LevelDB (in a temp dir) with the lease-issuing test engine mounted at `db/`,
 * a fake clock and metrics; `reopen` closes it and starts a new core over the same directory
 * (same unseal keys), as a restart or a new active node would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ArcaMetrics } from '../../../../src/lib/metrics.js';
import { LevelPhysical } from '../../../../src/storage/physical/leveldb.js';
import {
  makeHarness,
  notesEngine,
  unsealedHarness,
  unsealThroughApi,
  type Harness,
} from '../../../helpers/core/core-harness.js';
import { leaseEngine, type LeaseEngineControl } from '../../../helpers/core/lease-engine.js';

export interface LeaseFixture extends Harness {
  rootToken: string;
  keys: string[];
  control: LeaseEngineControl;
  metrics: ArcaMetrics;
  dir: string;
  /** Issues a lease from `db/creds/<role>`; returns its id and the response. */
  issue(role: string, data?: Record<string, unknown>, token?: string): Promise<string>;
  /** The lookup data of a lease (asserts 200). */
  lookup(leaseId: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Starts the fixture; `reopenOf` reuses a closed fixture's directory, keys, clock wall time. */
export async function leaseFixture(reopenOf?: LeaseFixture): Promise<LeaseFixture> {
  const dir = reopenOf?.dir ?? (await mkdtemp(join(tmpdir(), 'arca-leases-')));
  const physical = await LevelPhysical.open(dir);
  const { factory, control } = leaseEngine(reopenOf?.control);
  const engines = { leasing: factory, notes: notesEngine };
  const metrics = new ArcaMetrics({ processMetrics: false });
  let h: Harness & { rootToken: string; keys: string[] };
  if (reopenOf === undefined) {
    h = await unsealedHarness({ physical, engines, metrics });
    const mounted = await h.call('update', 'sys/mounts/db', { type: 'leasing' }, h.rootToken);
    assert.equal(mounted.status, 204);
  } else {
    const fresh = await makeHarness({ physical, engines, metrics });
    fresh.clock.setWall(reopenOf.clock.wallMs());
    await unsealThroughApi(fresh, reopenOf.keys);
    h = { ...fresh, rootToken: reopenOf.rootToken, keys: reopenOf.keys };
  }
  const fixture: LeaseFixture = {
    ...h,
    control,
    metrics,
    dir,
    issue: async (role, data = {}, token = h.rootToken) => {
      const out = await h.call('read', `db/creds/${role}`, data, token);
      assert.equal(out.status, 200, out.error?.message);
      return out.response!.leaseId!;
    },
    lookup: async (leaseId) => {
      const out = await h.call('update', 'sys/leases/lookup', { lease_id: leaseId }, h.rootToken);
      assert.equal(out.status, 200, out.error?.message);
      return out.response!.data!;
    },
    close: () => h.core.close(),
  };
  return fixture;
}

/** Removes a fixture's directory (after close). */
export async function removeFixture(fixture: LeaseFixture): Promise<void> {
  await rm(fixture.dir, { recursive: true, force: true });
}
