import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cubbyholeBackendFactory } from '../../../src/engines/cubbyhole/index.js';
import { kvBackendFactory } from '../../../src/engines/kv/index.js';
import { bootstrapDevCore } from '../../../src/server/dev-mode.js';
import { makeHarness } from '../../helpers/core/core-harness.js';

const engines = { kv: kvBackendFactory, cubbyhole: cubbyholeBackendFactory };

/**
 * Vault's root token (init, generate-root) has display_name `root` and path `auth/token/root`;
 * engines see that name (the database engine builds `v-root-<role>-…` from it). The dev root with a
 * chosen id must be the same kind of token — it used to be minted through `auth/token/create` with
 * `display_name: root`, which that endpoint turns into `token-root` (`v-token-ro-<role>-…`).
 */
test('dev mode: the root token with a chosen id is named root like the init root (database users v-root-…)', async () => {
  for (const rootTokenId of [undefined, 'dev-root']) {
    const h = await makeHarness({ engines });
    try {
      const { rootToken } = await bootstrapDevCore(h.core, rootTokenId === undefined ? {} : { rootTokenId });
      if (rootTokenId !== undefined) assert.equal(rootToken, rootTokenId);
      const self = await h.call('read', 'auth/token/lookup-self', {}, rootToken);
      assert.equal(self.status, 200, self.error?.message);
      const data = self.response!.data!;
      assert.equal(data.display_name, 'root', `${rootTokenId ?? 'generated'} root`);
      assert.equal(data.path, 'auth/token/root');
      assert.deepEqual(data.policies, ['root']);
      assert.equal(data.ttl, 0);
      assert.equal(data.orphan, true);
    } finally {
      await h.core.close();
    }
  }
});
