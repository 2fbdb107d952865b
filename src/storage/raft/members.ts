/**
 * The member list of Raft storage: the applied configuration (voters, learners) joined with the
 * replicated `MemberInfo` of each member. A member whose metadata has not been applied yet shows
 * empty addresses (this node itself shows its own).
 */
import type { ConfState } from '../../raft/types.js';
import type { MemberInfo } from './command.js';
import type { Member } from './raft-listeners.js';

/** Members of `confState` with their metadata from `infos` (voters first). */
export function membersOf(
  confState: ConfState,
  infos: ReadonlyMap<string, MemberInfo>,
  self: MemberInfo,
): Member[] {
  const info = (nodeId: string): MemberInfo =>
    infos.get(nodeId) ??
    (nodeId === self.nodeId ? self : { nodeId, apiAddr: '', clusterAddr: '', publicKey: '' });
  return [
    ...confState.voters.map((id) => ({ info: info(id), voter: true })),
    ...confState.learners.map((id) => ({ info: info(id), voter: false })),
  ];
}

/** True when two member records advertise the same addresses and key. */
export function sameMemberInfo(a: MemberInfo | undefined, b: MemberInfo): boolean {
  return (
    a !== undefined &&
    a.nodeId === b.nodeId &&
    a.apiAddr === b.apiAddr &&
    a.clusterAddr === b.clusterAddr &&
    a.publicKey === b.publicKey
  );
}
