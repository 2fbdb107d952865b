/**
 * `arca operator raft join | list-peers | remove-peer | snapshot save | snapshot restore |
 * autopilot state | autopilot get-config`, `arca operator step-down`, `arca operator members`:
 * integrated storage operations, with vault's output. Talks to the server only through src/api.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import type { AutopilotState, HaNode, RaftConfiguration } from '../../api/raft.js';
import { action, requiredArg, withClient, type CommandEnv } from '../command.js';
import { outputFormat } from '../context.js';
import { formatJson, formatTable } from '../output.js';

/** Columns aligned like vault's columnize (4 spaces between columns). Pure. */
export function formatColumns(header: string[], rows: string[][]): string {
  const all = [header, header.map((h) => '-'.repeat(h.length)), ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return (
    all
      .map((row) =>
        row
          .map((cell, i) => cell.padEnd(widths[i]))
          .join('    ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** `operator raft list-peers` table. Pure. */
export function formatPeers(config: RaftConfiguration): string {
  return formatColumns(
    ['Node', 'Address', 'State', 'Voter'],
    config.config.servers.map((s) => [
      s.node_id,
      s.address,
      s.leader ? 'leader' : 'follower',
      String(s.voter),
    ]),
  );
}

/** `operator raft autopilot state` text (vault's layout). Pure. */
export function formatAutopilotState(state: AutopilotState): string {
  const lines = [
    `Healthy:                      ${state.healthy}`,
    `Failure Tolerance:            ${state.failure_tolerance}`,
    `Optimistic Failure Tolerance: ${state.optimistic_failure_tolerance}`,
    `Leader:                       ${state.leader}`,
    'Voters:',
    ...state.voters.map((v) => `   ${v}`),
    'Servers:',
  ];
  for (const id of Object.keys(state.servers).sort()) {
    const s = state.servers[id];
    lines.push(
      `   ${id}`,
      `      Name:            ${s.name}`,
      `      Address:         ${s.address}`,
      `      Status:          ${s.status}`,
      `      Node Status:     ${s.node_status}`,
      `      Healthy:         ${s.healthy}`,
      `      Last Contact:    ${s.last_contact}`,
      `      Last Term:       ${s.last_term}`,
      `      Last Index:      ${s.last_index}`,
      `      Node Type:       ${s.node_type}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** `operator members` table. Pure. */
export function formatMembers(nodes: HaNode[]): string {
  return formatColumns(
    ['Host Name', 'API Address', 'Cluster Address', 'Active Node', 'Version', 'Last Echo'],
    nodes.map((n) => [
      n.hostname,
      n.api_address,
      n.cluster_address,
      String(n.active_node),
      n.version,
      n.last_echo ?? 'n/a',
    ]),
  );
}

function registerRaft(op: Argv, env: CommandEnv): Argv {
  return op.command('raft', 'Integrated storage (Raft) operations', (raft) =>
    raft
      .command(
        'join <leader-api-addr>',
        'Join this node to the cluster that answers at <leader-api-addr>',
        (y) =>
          y
            .positional('leader-api-addr', { type: 'string' })
            .option('retry', { type: 'boolean', default: false })
            .option('non-voter', { type: 'boolean', default: false }),
        action(env, async (args) => {
          const leader = requiredArg(args, 'leader-api-addr', 'operator raft join <leader-api-addr>');
          const format = outputFormat(args, env.io);
          await withClient(env, args, 'joining raft cluster', async (client) => {
            const result = await client.raft.join({
              leader_api_addr: leader,
              retry: args.retry === true,
              non_voter: args['non-voter'] === true,
            });
            env.io.stdout(format === 'json' ? formatJson(result) : formatTable([['Joined', result.joined]]));
          });
        }),
      )
      .command(
        'list-peers',
        'List the Raft peers',
        (y) => y,
        action(env, async (args) => {
          const format = outputFormat(args, env.io);
          await withClient(env, args, 'retrieving raft configuration', async (client) => {
            const config = await client.raft.configuration();
            env.io.stdout(format === 'json' ? formatJson({ data: config }) : formatPeers(config));
          });
        }),
      )
      .command(
        'remove-peer <server-id>',
        'Remove a node from the Raft configuration',
        (y) => y.positional('server-id', { type: 'string' }),
        action(env, async (args) => {
          const id = requiredArg(args, 'server-id', 'operator raft remove-peer <server-id>');
          await withClient(env, args, 'removing the peer from raft cluster', async (client) => {
            await client.raft.removePeer(id);
            env.io.stdout('Peer removed successfully!\n');
          });
        }),
      )
      .command('snapshot', 'Save or restore a snapshot of the Raft state', (snap) =>
        snap
          .command(
            'save <file>',
            'Save a snapshot (barrier-encrypted, checksummed) to <file>',
            (y) => y.positional('file', { type: 'string' }),
            action(env, async (args) => {
              const file = requiredArg(args, 'file', 'operator raft snapshot save <file>');
              await withClient(env, args, 'taking the snapshot', async (client) => {
                await writeFile(file, await client.raft.snapshotSave(), { mode: 0o600 });
              });
            }),
          )
          .command(
            'restore <file>',
            'Restore a snapshot from <file> (-force: from another cluster keyring)',
            (y) =>
              y.positional('file', { type: 'string' }).option('force', { type: 'boolean', default: false }),
            action(env, async (args) => {
              const file = requiredArg(args, 'file', 'operator raft snapshot restore <file>');
              await withClient(env, args, 'installing the snapshot', async (client) => {
                await client.raft.snapshotRestore(await readFile(file), args.force === true);
              });
            }),
          )
          .demandCommand(1, 'snapshot needs a subcommand: save, restore'),
      )
      .command('autopilot', 'Autopilot state and configuration', (ap) =>
        ap
          .command(
            'state',
            'Show the autopilot state (health, failure tolerance)',
            (y) => y,
            action(env, async (args) => {
              const format = outputFormat(args, env.io);
              await withClient(env, args, 'checking autopilot state', async (client) => {
                const state = await client.raft.autopilotState();
                env.io.stdout(format === 'json' ? formatJson(state) : formatAutopilotState(state));
              });
            }),
          )
          .command(
            'get-config',
            'Show the autopilot configuration',
            (y) => y,
            action(env, async (args) => {
              const format = outputFormat(args, env.io);
              await withClient(env, args, 'reading autopilot configuration', async (client) => {
                const config = await client.raft.autopilotConfiguration();
                env.io.stdout(
                  format === 'json' ? formatJson(config) : formatTable(Object.entries(config).sort()),
                );
              });
            }),
          )
          .demandCommand(1, 'autopilot needs a subcommand: state, get-config'),
      )
      .demandCommand(1, 'raft needs a subcommand: join, list-peers, remove-peer, snapshot, autopilot'),
  );
}

/** Adds `raft`, `step-down` and `members` under `operator`. */
export function registerClusterOperator(op: Argv, env: CommandEnv): Argv {
  return registerRaft(op, env)
    .command(
      'step-down',
      'Make the active node step down (Raft leadership transfer)',
      (y) => y,
      action(env, async (args) => {
        await withClient(env, args, 'stepping down', async (client) => {
          await client.sys.stepDown();
          env.io.stdout(`Success! Stepped down: ${client.address}\n`);
        });
      }),
    )
    .command(
      'members',
      'List the cluster’s nodes (sys/ha-status)',
      (y) => y,
      action(env, async (args) => {
        const format = outputFormat(args, env.io);
        await withClient(env, args, 'listing members', async (client) => {
          const { nodes } = await client.raft.haStatus();
          env.io.stdout(format === 'json' ? formatJson({ nodes }) : formatMembers(nodes));
        });
      }),
    );
}
