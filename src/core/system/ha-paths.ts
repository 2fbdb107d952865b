/**
 * sys/ha-status: the members of the HA cluster as the active node sees them (Vault's shape:
 * hostname, api_address, cluster_address, active_node, last_echo, version, upgrade_version,
 * redundancy_zone). A standby does not serve it (the server forwards it to the active node).
 */
import type { PathSpec } from '../../logical/backend.js';
import type { SystemContext } from './context.js';

/** The sys/ha-status path. */
export function haStatusPath(ctx: SystemContext): PathSpec {
  return {
    pattern: 'ha-status',
    operations: {
      read: async () => {
        const ha = ctx.haStatus();
        return {
          data: {
            nodes: ha.nodes.map((n) => ({
              hostname: n.nodeId,
              api_address: n.apiAddr,
              cluster_address: n.clusterAddr,
              active_node: n.active,
              last_echo: null,
              version: ctx.version,
              upgrade_version: ctx.version,
              redundancy_zone: '',
            })),
          },
        };
      },
    },
  };
}
