import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../../../src/lib/rng.js';
import { ExpiryIndex } from '../../../../src/core/leases-index.js';

/**
 * Random insert / move (renew) / remove / popDue sequences against a naive model (a Map scanned
 * on every pop). The index must pop exactly the model's due ids, earliest first (ties in any
 * order), and agree on size, membership and due times after every step.
 */
test('property: the expiry index agrees with a naive model under random insert/renew/remove/pop-due', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rng = new SeededRng(seed);
    const index = new ExpiryIndex();
    const model = new Map<string, number>();
    let now = 0;
    for (let step = 0; step < 400; step++) {
      const op = rng.intBelow(10);
      const id = `lease/${rng.intBelow(60)}`;
      if (op < 4) {
        const due = now + rng.intBelow(1000);
        index.set(id, due);
        model.set(id, due);
      } else if (op < 6) {
        assert.equal(index.remove(id), model.delete(id), `seed ${seed} step ${step}: remove ${id}`);
      } else {
        now += rng.intBelow(300);
        let last = -Infinity;
        for (let popped = index.popDue(now); popped !== undefined; popped = index.popDue(now)) {
          const due = model.get(popped);
          assert.ok(due !== undefined && due <= now, `seed ${seed}: popped ${popped} must be due`);
          assert.ok(due >= last, `seed ${seed}: pops come earliest first`);
          last = due;
          model.delete(popped);
        }
        const stillDue = [...model.values()].filter((due) => due <= now);
        assert.deepEqual(stillDue, [], `seed ${seed} step ${step}: nothing due is left behind`);
      }
      assert.equal(index.size, model.size);
      assert.equal(index.has(id), model.has(id));
      assert.equal(index.dueOf(id), model.get(id));
      const earliest = model.size === 0 ? undefined : Math.min(...model.values());
      assert.equal(index.peekDueWallMs(), earliest);
    }
    assert.deepEqual([...index.keys()].sort(), [...model.keys()].sort());
  }
});
