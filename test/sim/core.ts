/**
 * The one place the simulator imports the Raft core from, so the seam is obvious: the real
 * `RawNode` and `MemoryStorage` of src/raft, and the core's own ConfChange decoding.
 */
export { RawNode } from '../../src/raft/raw-node.js';
export { MemoryStorage } from '../../src/raft/memory-storage.js';
export type { RaftConfig } from '../../src/raft/config.js';
export type { RaftMutations } from '../../src/raft/mutations.js';
export { decodeConfChange } from '../../src/raft/conf-change-codec.js';
