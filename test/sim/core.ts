/**
 * The one place the simulator imports the Raft core from, so the seam is obvious: the real
 * `RawNode` and `MemoryStorage` of src/raft, the core's own ConfChange decoding, and the production
 * pieces the driver mode runs: the async driver `RaftNode` and the LevelDB `LogStore`.
 */
export { RawNode } from '../../src/raft/raw-node.js';
export { MemoryStorage } from '../../src/raft/memory-storage.js';
export type { RaftConfig } from '../../src/raft/config.js';
export type { RaftMutations } from '../../src/raft/mutations.js';
export { decodeConfChange } from '../../src/raft/conf-change-codec.js';
export { nextConfState } from '../../src/raft/membership.js';
export { RaftNode } from '../../src/raft/node.js';
export type { RaftNodeOptions, StateMachine, Timers } from '../../src/raft/node.js';
export { LevelLogStore } from '../../src/storage/raft/log-store-leveldb.js';
