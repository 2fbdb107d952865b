/**
 * Raft's `Transport` port over the cluster channel. Raft messages ride the 'raft' one-way channel
 * (fire and forget: at the queue bound or while a peer is down they are dropped, which Raft
 * tolerates). An inbound frame is untrusted: it becomes a `Message` only after its whole shape is
 * checked (`parseWireMessage`), and only when its `from` is the node id of the authenticated
 * sender, so one member cannot speak for another.
 */
import { MessageShapeError, parseWireMessage } from '../../raft/message-shape.js';
import type { Message, NodeId } from '../../raft/types.js';
import type { Transport } from '../../raft/ports.js';
import type { ClusterLogger } from './logger.js';
import type { ClusterTransport } from './transport.js';

/** The channel name Raft traffic uses. */
export const raftChannel = 'raft';

/** Maps Raft node ids to cluster peer ids and back (identity when node ids are peer ids). */
export interface NodeDirectory {
  peerIdOf(nodeId: NodeId): string | undefined;
  nodeIdOf(peerId: string): NodeId | undefined;
}

/** The directory for clusters whose Raft node ids are the nodes' peer ids. */
export const peerIdsAreNodeIds: NodeDirectory = {
  peerIdOf: (nodeId) => nodeId,
  nodeIdOf: (peerId) => peerId,
};

/** Adapts a `ClusterTransport` to Raft's `Transport` port. */
export function raftTransport(
  cluster: ClusterTransport,
  logger: ClusterLogger,
  directory: NodeDirectory = peerIdsAreNodeIds,
): Transport {
  return {
    send(messages: Message[]): void {
      for (const message of messages) {
        const peerId = directory.peerIdOf(message.to);
        if (peerId !== undefined) cluster.send(peerId, raftChannel, message);
      }
    },
    onMessage(handler: (message: Message) => void): void {
      cluster.onMessage(raftChannel, (fromPeerId, value) => {
        let message: Message;
        try {
          message = parseWireMessage(value);
        } catch (err) {
          if (!(err instanceof MessageShapeError)) throw err;
          logger.warn({ peerId: fromPeerId, field: err.field }, 'raft message dropped: malformed');
          return;
        }
        if (message.from !== directory.nodeIdOf(fromPeerId)) {
          logger.warn({ peerId: fromPeerId }, 'raft message dropped: not from its sender');
          return;
        }
        handler(message);
      });
    },
  };
}
