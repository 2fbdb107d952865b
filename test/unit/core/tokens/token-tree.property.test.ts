import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FakeClock } from '../../../../src/lib/clock.js';
import { tokenStoreFor } from '../../../helpers/core/expiring-token-store.js';
import { MemoryStorageView } from '../../../helpers/memory-storage-view.js';

type Op = { kind: 'create'; parent: number; orphan: boolean } | { kind: 'revoke' | 'orphan'; target: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('create' as const), parent: fc.nat(), orphan: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), target: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('orphan' as const), target: fc.nat() }) },
);

test('random create/revoke/revoke-orphan sequences match a simple tree model, leaving no stray keys', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 25 }), async (ops) => {
      const storage = new MemoryStorageView({ yieldEachCall: true });
      const store = tokenStoreFor({ storage, clock: new FakeClock() });
      const root = await store.createRoot();
      const tokens = [{ token: root.token, idHash: root.entry.idHash, parent: -1, alive: true }];
      const descendants = (i: number): number[] =>
        tokens.flatMap((t, j) => (t.alive && t.parent === i ? [j, ...descendants(j)] : []));
      for (const op of ops) {
        const live = tokens.map((t, i) => (t.alive ? i : -1)).filter((i) => i >= 0);
        if (live.length === 0) break;
        if (op.kind === 'create') {
          const parent = live[op.parent % live.length];
          const created = await store.createToken({
            policies: ['a'],
            parentIdHash: op.orphan ? '' : tokens[parent].idHash,
            path: 'p',
            displayName: 'token',
          });
          tokens.push({
            token: created.token,
            idHash: created.entry.idHash,
            parent: op.orphan ? -1 : parent,
            alive: true,
          });
        } else {
          const target = live[op.target % live.length];
          if (op.kind === 'revoke') {
            for (const d of descendants(target)) tokens[d].alive = false;
            await store.revokeTree(tokens[target].idHash);
          } else {
            for (const t of tokens) if (t.alive && t.parent === target) t.parent = -1;
            await store.revokeOrphan(tokens[target].idHash);
          }
          tokens[target].alive = false;
        }
      }
      for (const t of tokens) {
        const entry = await store.lookup(t.token);
        assert.equal(entry !== undefined, t.alive);
        if (entry) assert.equal(entry.parentIdHash, t.parent === -1 ? '' : tokens[t.parent].idHash);
      }
      const alive = tokens.filter((t) => t.alive);
      const keys = [...storage.entries.keys()];
      assert.equal(keys.filter((k) => k.startsWith('id/')).length, alive.length);
      assert.equal(keys.filter((k) => k.startsWith('accessor/')).length, alive.length);
      assert.equal(
        keys.filter((k) => k.startsWith('parent/')).length,
        alive.filter((t) => t.parent !== -1).length,
      );
    }),
    { numRuns: 40 },
  );
});
