/**
 * An in-process network for driver tests and the benchmark: each member gets a `Transport`;
 * messages are delivered asynchronously (next macrotask) so no handler runs re-entrantly, and
 * links can be cut to simulate a partition.
 */
import type { Transport } from '../../src/raft/ports.js';
import type { Message, NodeId } from '../../src/raft/types.js';

/** The hub all in-process transports talk through. */
export class MemoryHub {
  private readonly handlers = new Map<NodeId, (message: Message) => void>();
  private readonly cut = new Set<NodeId>();
  delivered = 0;

  /** The transport of member `id`. */
  transport(id: NodeId): Transport {
    return {
      send: (messages) => {
        if (this.cut.has(id)) return;
        for (const message of messages) {
          setImmediate(() => {
            if (this.cut.has(message.to) || this.cut.has(id)) return;
            this.delivered++;
            this.handlers.get(message.to)?.(message);
          });
        }
      },
      onMessage: (handler) => {
        this.handlers.set(id, handler);
      },
    };
  }

  /** Isolates (or reconnects) a member. */
  setIsolated(id: NodeId, isolated: boolean): void {
    if (isolated) this.cut.add(id);
    else this.cut.delete(id);
  }
}
