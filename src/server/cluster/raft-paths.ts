/**
 * `sys/storage/raft/*` served by core on the active node (handed to core as `systemPaths`, so
 * they get core's token, ACL, sudo and audit treatment; a standby forwards them). Response shapes
 * follow Vault's `vault/logical_raft.go`:
 *
 * - `bootstrap/challenge` (unauthenticated): `{challenge, seal_config}` — the join bundle;
 * - `bootstrap/answer` (unauthenticated): checks the answer, adds the node as a learner with its
 *   member info, returns `{peers}`;
 * - `configuration`, `remove-peer`, `autopilot/state`, `autopilot/configuration`;
 * - `snapshot` (GET: the checksummed snapshot, barrier ciphertext; POST: restore — the bytes come
 *   through `SnapshotUploads`, see snapshot-upload.ts) and `snapshot-force`.
 */
import { decodeBase64Strict } from '../../lib/bytes.js';
import { ArcaError } from '../../lib/errors.js';
import type { PathSpec } from '../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../logical/response.js';
import { bundleSealConfig, type JoinChallenges } from '../../core/join-challenge.js';
import type { RaftStorage } from '../../storage/raft/raft-storage.js';
import type { Autopilot } from './autopilot.js';
import { encodeJoinChallenge, type JoinPeer } from './join-wire.js';
import type { MemberInfo } from './membership.js';
import type { SnapshotUpload } from './snapshot-upload.js';

/** Everything the raft paths act on. */
export interface RaftPathDeps {
  storage: () => RaftStorage | undefined;
  joinChallenges: () => JoinChallenges;
  autopilot: Autopilot;
  /** Restores a snapshot (checksum verified; `force` skips the same-keyring check). */
  restoreSnapshot: (upload: SnapshotUpload, force: boolean) => Promise<unknown>;
  /** Takes the bytes a POST to `snapshot` uploaded (see snapshot-upload.ts). */
  takeUpload: (ref: string) => SnapshotUpload | undefined;
  /** Deletes a taken upload's file once it was restored (or refused). */
  discardUpload: (upload: SnapshotUpload) => Promise<void>;
}

const envelope = (data: Record<string, unknown>): LogicalResponse => ({ data });

/** The path specs (patterns relative to `sys/`). */
export function raftPaths(deps: RaftPathDeps): PathSpec[] {
  const storage = (): RaftStorage => {
    const s = deps.storage();
    if (s === undefined) throw new ArcaError('invalid_request', 'raft storage is not in use');
    return s;
  };
  const restore = (force: boolean) => async (req: { fields: { get<T>(n: string): T | undefined } }) => {
    const ref = req.fields.get<string>('snapshot_ref');
    const upload = ref === undefined ? undefined : deps.takeUpload(ref);
    if (upload === undefined) throw new ArcaError('invalid_request', 'no snapshot was uploaded');
    try {
      await deps.restoreSnapshot(upload, force);
    } finally {
      await deps.discardUpload(upload);
    }
    return noContent;
  };
  return [
    {
      pattern: 'storage/raft/bootstrap/challenge',
      fields: { server_id: { type: 'string', required: true } },
      unauthenticated: true,
      operations: {
        update: async (req) => {
          const serverId = req.fields.get<string>('server_id') ?? '';
          if (serverId === '') throw new ArcaError('invalid_request', 'no server id provided');
          storage();
          const bundle = await deps.joinChallenges().issue(serverId);
          const seal = bundleSealConfig(bundle);
          return envelope({
            challenge: encodeJoinChallenge(bundle).toString('base64'),
            seal_config: {
              type: seal.type,
              secret_shares: seal.secretShares,
              secret_threshold: seal.secretThreshold,
              pgp_keys: null,
              nonce: '',
              backup: false,
              stored_shares: 0,
            },
          });
        },
      },
    },
    {
      pattern: 'storage/raft/bootstrap/answer',
      fields: {
        server_id: { type: 'string', required: true },
        answer: { type: 'string', required: true },
        cluster_addr: { type: 'string', required: true },
        api_addr: { type: 'string' },
        public_key: { type: 'string', required: true },
        non_voter: { type: 'bool' },
      },
      unauthenticated: true,
      operations: {
        update: async (req) => {
          const s = storage();
          const info: MemberInfo = {
            nodeId: req.fields.get<string>('server_id') ?? '',
            clusterAddr: req.fields.get<string>('cluster_addr') ?? '',
            apiAddr: req.fields.get<string>('api_addr') ?? '',
            publicKey: req.fields.get<string>('public_key') ?? '',
          };
          const answer = decodeBase64Strict(req.fields.get<string>('answer') ?? '');
          if (info.nodeId === '' || answer === undefined)
            throw new ArcaError('invalid_request', 'no server id or answer provided');
          const nonVoter = req.fields.get<boolean>('non_voter') === true;
          await deps.joinChallenges().verifyAndAdmit(info, answer, async () => {
            const existing = s.memberInfo(info.nodeId);
            if (
              existing !== undefined &&
              existing.publicKey !== '' &&
              existing.publicKey !== info.publicKey
            ) {
              throw new ArcaError(
                'invalid_request',
                `node id ${JSON.stringify(info.nodeId)} is already a member with another identity key`,
              );
            }
            await deps.autopilot.setNonVoter(info.nodeId, nonVoter);
            if (existing === undefined) await s.addLearner(info);
          });
          const peers: JoinPeer[] = s.members().map((m) => ({
            server_id: m.info.nodeId,
            cluster_addr: m.info.clusterAddr,
            api_addr: m.info.apiAddr,
            public_key: m.info.publicKey,
          }));
          return envelope({ peers, tls_keyring: null, autoloaded_license: false });
        },
      },
    },
    {
      // Vault's sys/step-down: the active node hands leadership to another voter (Raft leadership
      // transfer); core deactivates on the leadership event. 204 like Vault.
      pattern: 'step-down',
      operations: {
        update: async () => {
          const s = storage();
          if (s.isLeader()) await s.transferLeadership();
          return noContent;
        },
      },
    },
    {
      pattern: 'storage/raft/configuration',
      operations: {
        read: async () => {
          const s = storage();
          await s.linearizableRead();
          const leader = s.leaderId();
          const status = s.status();
          return envelope({
            config: {
              index: status.appliedIndex,
              servers: s.members().map((m) => ({
                node_id: m.info.nodeId,
                address: m.info.clusterAddr,
                leader: m.info.nodeId === leader,
                protocol_version: '3',
                voter: m.voter,
              })),
            },
          });
        },
      },
    },
    {
      pattern: 'storage/raft/remove-peer',
      fields: { server_id: { type: 'string' } },
      operations: {
        update: async (req) => {
          const id = req.fields.get<string>('server_id') ?? '';
          if (id === '') throw new ArcaError('invalid_request', 'no server id provided');
          const s = storage();
          if (s.memberInfo(id) === undefined) throw new ArcaError('invalid_request', `no such peer ${id}`);
          await s.removeMember(id);
          return noContent;
        },
      },
    },
    {
      pattern: 'storage/raft/autopilot/state',
      operations: { read: async () => envelope(deps.autopilot.stateBody()) },
    },
    {
      pattern: 'storage/raft/autopilot/configuration',
      fields: {
        cleanup_dead_servers: { type: 'bool' },
        last_contact_threshold: { type: 'duration' },
        dead_server_last_contact_threshold: { type: 'duration' },
        max_trailing_logs: { type: 'int' },
        min_quorum: { type: 'int' },
        server_stabilization_time: { type: 'duration' },
        disable_upgrade_migration: { type: 'bool' },
      },
      operations: {
        read: async () => envelope(await deps.autopilot.configurationBody()),
        update: async (req) => {
          await deps.autopilot.configure(req.data);
          return noContent;
        },
      },
    },
    {
      pattern: 'storage/raft/snapshot',
      fields: { snapshot_ref: { type: 'string' } },
      operations: {
        read: async () => {
          const s = storage();
          const parts: Uint8Array[] = [];
          for await (const chunk of s.saveSnapshot()) parts.push(chunk);
          return {
            raw: { status: 200, contentType: 'application/octet-stream', body: Buffer.concat(parts) },
          };
        },
        update: restore(false),
      },
    },
    {
      pattern: 'storage/raft/snapshot-force',
      fields: { snapshot_ref: { type: 'string' } },
      operations: { update: restore(true) },
    },
  ];
}
