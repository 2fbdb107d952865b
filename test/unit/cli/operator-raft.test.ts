import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatAutopilotState, formatMembers, formatPeers } from '../../../src/cli/commands/operator-raft.js';

describe('operator raft output (vault’s layouts)', () => {
  test('list-peers: Node/Address/State/Voter columns, leader marked', () => {
    const text = formatPeers({
      config: {
        index: 0,
        servers: [
          { node_id: 'node1', address: '127.0.0.1:8301', leader: true, protocol_version: '3', voter: true },
          {
            node_id: 'node22',
            address: '127.0.0.1:8302',
            leader: false,
            protocol_version: '3',
            voter: false,
          },
        ],
      },
    });
    assert.equal(
      text,
      [
        'Node      Address           State       Voter',
        '----      -------           -----       -----',
        'node1     127.0.0.1:8301    leader      true',
        'node22    127.0.0.1:8302    follower    false',
        '',
      ].join('\n'),
    );
  });

  test('autopilot state lists voters and every server', () => {
    const text = formatAutopilotState({
      healthy: true,
      failure_tolerance: 1,
      optimistic_failure_tolerance: 1,
      leader: 'a',
      voters: ['a', 'b', 'c'],
      servers: {
        b: {
          id: 'b',
          name: 'b',
          address: '127.0.0.1:2',
          node_status: 'alive',
          last_contact: '0.1s',
          last_term: 3,
          last_index: 40,
          healthy: true,
          stable_since: '',
          status: 'voter',
          version: '0.1.0',
          node_type: 'voter',
        },
      },
    });
    assert.match(text, /^Healthy: +true$/m);
    assert.match(text, /^Failure Tolerance: +1$/m);
    assert.match(text, /^Voters:\n {3}a\n {3}b\n {3}c\n/m);
    assert.match(text, /^ {6}Last Index: +40$/m);
  });

  test('members: one row per node with its active flag', () => {
    const text = formatMembers([
      {
        hostname: 'n1',
        api_address: 'http://127.0.0.1:8200',
        cluster_address: '127.0.0.1:8300',
        active_node: true,
        last_echo: null,
        version: '0.1.0',
      },
    ]);
    assert.match(text, /^n1 +http:\/\/127\.0\.0\.1:8200 +127\.0\.0\.1:8300 +true +0\.1\.0 +n\/a$/m);
  });
});
