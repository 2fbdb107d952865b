/**
 * Every bound in one place, units last. A limit that is not here is a limit we forgot.
 * Modules import the constants they need; configuration may lower (never silently raise) them.
 */
export const limits = {
  /** Largest HTTP request body (Vault's default max_request_size): 32 MiB. */
  requestBodyBytesMax: 32 * 1024 * 1024,
  /**
   * JSON request bodies (Vault's listener defaults; memory: OpenBao's `max_request_json_memory`):
   * nesting depth, raw bytes of one string, entries of one object, elements of one array, estimated
   * bytes of the parsed value. Checked before parsing (src/lib/json-limits.ts).
   */
  jsonDepthMax: 300,
  jsonStringValueBytesMax: 1024 * 1024,
  jsonObjectEntriesMax: 10_000,
  jsonArrayElementsMax: 10_000,
  jsonMemoryBytesMax: 32 * 1024 * 1024 + 512 * 1024,
  /**
   * Highest values a listener may configure for the JSON limits above. Depth is capped because
   * request data is later serialised recursively (JSON.stringify overflows the stack at a few
   * thousand levels); the others bound memory and event-loop time per request.
   */
  jsonDepthConfigMax: 1000,
  jsonStringValueBytesConfigMax: 32 * 1024 * 1024,
  jsonCountConfigMax: 1_000_000,
  jsonMemoryBytesConfigMax: 1024 * 1024 * 1024,
  /** Largest single stored value after encryption. */
  storageValueBytesMax: 16 * 1024 * 1024,
  /** Longest storage key in bytes. */
  storageKeyBytesMax: 4096,
  /** Shamir: most shares and highest threshold (GF(256) has 255 non-zero x coordinates). */
  shamirSharesMax: 255,
  /** System default and max lease TTL: 768h. */
  defaultLeaseTtlSeconds: 768 * 3600,
  maxLeaseTtlSeconds: 768 * 3600,
  /** Largest cluster frame on the node-to-node channel (must fit a Raft snapshot chunk + headers). */
  clusterFrameBytesMax: 64 * 1024 * 1024,
  /** Cluster handshake must complete within this. */
  clusterHandshakeTimeoutMs: 5_000,
  /** Frames queued to one peer before we drop (Raft tolerates loss) or fail (RPC). */
  clusterPeerQueueBytesMax: 64 * 1024 * 1024,
  /** LevelDB group commit: ops merged into one synced batch at most (one larger batch goes alone). */
  groupCommitOpsMax: 4096,
  /** RPC requests from one connection being handled at once; more are answered 'unavailable'. */
  clusterInboundCallsMax: 1024,
  /** Inbound cluster connections still in their handshake; more are dropped at accept. */
  clusterPendingHandshakesMax: 64,
  /** KV v2 custom_metadata (Vault's bounds): keys per secret, bytes per key, bytes per value. */
  kvCustomMetadataKeysMax: 64,
  kvCustomMetadataKeyBytesMax: 128,
  kvCustomMetadataValueBytesMax: 512,
  /** KV v2 subkeys: deepest nesting walked (Vault's maxSubkeysDepth). */
  kvSubkeysDepthMax: 100,
  /** Longest key an engine builds inside its view (headroom below storageKeyBytesMax for the mount prefix). */
  engineStorageKeyBytesMax: 3840,
  /** Largest value an engine stores (headroom below storageValueBytesMax for barrier framing). */
  engineStorageValueBytesMax: 16 * 1024 * 1024 - 64 * 1024,
  /** Raft: largest MsgApp payload (one entry always fits). */
  raftMessageBytesMax: 1024 * 1024,
  /** Raft: MsgApp messages in flight to one follower. */
  raftInflightMessagesMax: 256,
  /** Raft: entry bytes in flight to one follower. */
  raftInflightBytesMax: 32 * 1024 * 1024,
  /** Raft: uncommitted entry bytes a leader accepts while it cannot commit (quorum lost). */
  raftUncommittedEntriesBytesMax: 64 * 1024 * 1024,
  /** Raft: committed entry bytes handed to the state machine per Ready. */
  raftCommittedBytesPerReadyMax: 16 * 1024 * 1024,
  /** Raft: InstallSnapshot chunk size (well under clusterFrameBytesMax). */
  raftSnapshotChunkBytes: 1024 * 1024,
  /** Raft storage: unacknowledged 1 MiB chunks in flight per streamed snapshot (memory bound). */
  raftSnapshotWindowChunks: 4,
  /** Raft storage: a snapshot stream without progress for this long resends its window. */
  raftSnapshotResendIntervalMs: 1000,
  /** Raft: largest snapshot a follower assembles. */
  raftSnapshotBytesMax: 2 * 1024 * 1024 * 1024 - 1,
  /** Raft storage: largest encoded write command (one entry; under clusterFrameBytesMax). */
  raftEntryBytesMax: 48 * 1024 * 1024,
  /** Raft storage dedupe table: clients remembered (least recently written evicted first). */
  raftDedupeClientsMax: 4096,
  /** Raft storage dedupe table: applied writes above its floor remembered per client. */
  raftDedupeSeqsPerClientMax: 16384,
  /** Raft storage: state-store records per LevelDB batch while installing a snapshot. */
  raftRestoreBatchRecords: 1024,
  /** Raft storage: attempts of one write whose proposal timed out (same id: applied once). */
  raftProposeAttemptsMax: 3,
  /** Token entries kept in memory for per-request authentication (unlimited-use tokens only). */
  tokenCacheEntriesMax: 4096,
  /**
   * Single-node barrier read cache (decrypted values, memory only): entries (Vault's `cache_size`
   * default), total bytes charged (values, keys and per-entry overhead: `cache_size_bytes`), value
   * size. The bytes bound is the one that matters: each entry is charged its measured memory (value,
   * key and ~1 KiB of objects and allocation: bench/cache-memory.ts), so a KV v2 working set of 10k
   * keys, ~20k entries (metadata + version), is ~30 MiB and fits; 64 MiB keeps a node that has
   * written 100k keys at ~170 MiB of RSS (bench:single --only memory).
   */
  barrierReadCacheEntriesMax: 131072,
  barrierReadCacheBytesMax: 64 * 1024 * 1024,
  barrierReadCacheValueBytesMax: 64 * 1024,
} as const;
