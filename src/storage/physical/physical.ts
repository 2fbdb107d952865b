/**
 * The physical storage contract, below the barrier: opaque bytes under string keys. Implemented
 * by memory (tests), leveldb (single node) and raft (replicated). Above it the barrier encrypts;
 * below the barrier nothing may ever be plaintext except the seal configuration.
 */
/** One operation of an atomic batch. */
export type PhysicalOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'delete'; key: string };

export interface PhysicalBackend {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Vault list semantics (see `StorageView.list`): direct children of `prefix`, folders with '/'. */
  list(prefix: string): Promise<string[]>;
  /** Atomic: all ops become durable together or not at all. Acknowledged only once synced. */
  batch(ops: PhysicalOp[]): Promise<void>;
  close(): Promise<void>;
}
