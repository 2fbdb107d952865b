import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  clusterHealth,
  deadVoterToRemove,
  defaultAutopilotConfig,
  type ServerObservation,
} from '../../../../src/server/cluster/autopilot-policy.js';

const alive = (nodeId: string, voter = true): ServerObservation => ({
  nodeId,
  voter,
  lastContactMs: 100,
  lastIndex: 50,
});
const dead = (nodeId: string, silentMs: number): ServerObservation => ({
  nodeId,
  voter: true,
  lastContactMs: silentMs,
  lastIndex: 10,
});

describe('autopilot policy', () => {
  test('three healthy voters tolerate one failure', () => {
    const h = clusterHealth([alive('a'), alive('b'), alive('c')], 50, defaultAutopilotConfig);
    assert.deepEqual(h, { healthy: true, failureTolerance: 1, optimisticFailureTolerance: 1 });
  });

  test('a dead but configured voter lowers the failure tolerance (honest, Vault #18004)', () => {
    const h = clusterHealth([alive('a'), alive('b'), dead('c', 60_000)], 50, defaultAutopilotConfig);
    assert.deepEqual(h, { healthy: false, failureTolerance: 0, optimisticFailureTolerance: 1 });
    // Five configured, three alive: a quorum, but no failure can be tolerated.
    const five = [alive('a'), alive('b'), alive('c'), dead('d', 60_000), dead('e', 60_000)];
    assert.equal(clusterHealth(five, 50, defaultAutopilotConfig).failureTolerance, 0);
  });

  test('a voter far behind the commit index is not healthy; non-voters do not count', () => {
    const behind: ServerObservation = { nodeId: 'c', voter: true, lastContactMs: 0, lastIndex: 0 };
    const h = clusterHealth(
      [alive('a'), alive('b'), behind, alive('l', false)],
      5_000,
      defaultAutopilotConfig,
    );
    assert.equal(h.healthy, false);
    assert.equal(h.failureTolerance, 0);
  });

  test('dead servers are removed only when cleanup is on, after the threshold, and never below min_quorum', () => {
    const config = {
      ...defaultAutopilotConfig,
      cleanupDeadServers: true,
      minQuorum: 3,
      deadServerLastContactThresholdSeconds: 30,
    };
    const four = [alive('a'), alive('b'), alive('c'), dead('d', 31_000)];
    assert.equal(deadVoterToRemove(four, 'a', config), 'd');
    assert.equal(deadVoterToRemove(four, 'a', { ...config, cleanupDeadServers: false }), undefined);
    assert.equal(
      deadVoterToRemove([alive('a'), alive('b'), alive('c'), dead('d', 29_000)], 'a', config),
      undefined,
    );
    // Three voters with min_quorum 3: removing one would go below it.
    assert.equal(deadVoterToRemove([alive('a'), alive('b'), dead('c', 99_000)], 'a', config), undefined);
    // Never the active node itself.
    assert.equal(
      deadVoterToRemove([dead('a', 99_000), alive('b'), alive('c'), alive('d')], 'a', config),
      undefined,
    );
  });
});
