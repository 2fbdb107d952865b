/**
 * Builds core for a server configuration: the physical storage (LevelDB at the configured path;
 * LevelDB in a fresh temporary directory for `-dev`, deleted on stop; memory for `inmem`), the
 * engine factories, and the expiry ticker. The returned core is NOT initialised or unsealed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core } from '../core/core.js';
import { systemClock } from '../lib/clock.js';
import { ArcaError } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import { arcaVersion } from '../lib/version.js';
import { ArcaMetrics } from '../lib/metrics.js';
import { systemRng } from '../lib/rng.js';
import type { RawResponse } from '../logical/response.js';
import { LevelPhysical } from '../storage/physical/leveldb.js';
import { MemoryPhysical } from '../storage/physical/memory.js';
import type { PhysicalBackend } from '../storage/physical/physical.js';
import type { ServerConfig } from './config.js';
import { authEngines, secretEngines } from './engine-registry.js';
import type { Logger } from './logger.js';

/** How often core revokes expired tokens and leases. */
const expiryTickMs = 1000;

/** A running core as the server holds it. */
export interface ServerCore {
  handleRequest: Core['handleRequest'];
  /** Stops the ticker, seals, closes storage, removes a dev temp dir. */
  close(): Promise<void>;
  /** The data directory in use (dev: the temporary one). */
  dataDir?: string;
  /** Re-opens audit files (external log rotation; the server calls it on SIGHUP). */
  reopenAuditDevices(): Promise<void>;
  /** Metrics for a tokenless scrape on a listener with `unauthenticated_metrics_access`. */
  renderMetrics(format: 'prometheus' | 'json'): Promise<RawResponse>;
  /** Dev mode's `-dev-root-token-id` (single-node cores only). */
  createDevRootToken?(id: string): Promise<void>;
  /** Work not needed to serve, done once serving: registers the process metrics (metrics.ts). */
  serving?(): void;
}

interface OpenedStorage {
  physical: PhysicalBackend;
  storageType: string;
  dataDir?: string;
  cleanup(): Promise<void>;
}

async function openStorage(config: ServerConfig, dev: boolean): Promise<OpenedStorage> {
  if (dev) {
    const dataDir = await mkdtemp(join(tmpdir(), 'arca-dev-'));
    const physical = await LevelPhysical.open(dataDir);
    return {
      physical,
      storageType: 'leveldb',
      dataDir,
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const storage = config.storage;
  switch (storage.type) {
    case 'leveldb':
      return {
        physical: await LevelPhysical.open(storage.path),
        storageType: 'leveldb',
        dataDir: storage.path,
        cleanup: async () => undefined,
      };
    case 'inmem':
      return { physical: new MemoryPhysical(), storageType: 'inmem', cleanup: async () => undefined };
    case 'raft':
      throw new ArcaError('internal', 'raft storage is composed by createRaftServerCore');
  }
}

/** Builds core for `config`; `dev` uses LevelDB in a temporary directory. */
export async function createServerCore(input: {
  config: ServerConfig;
  logger: Logger;
  dev: boolean;
}): Promise<ServerCore> {
  if (!input.dev && input.config.storage.type === 'raft') {
    // Loaded on demand: the cluster stack (Noise, Raft) stays out of every other CLI command's startup.
    const { createRaftServerCore } = await import('./cluster/raft-core.js');
    return createRaftServerCore(input.config, input.logger);
  }
  const storage = await openStorage(input.config, input.dev);
  const metrics = new ArcaMetrics({ processMetrics: 'deferred' });
  let core: Core;
  try {
    core = await Core.create({
      physical: storage.physical,
      clock: systemClock,
      rng: systemRng,
      logger: input.logger,
      engines: { ...secretEngines },
      authEngines: { ...authEngines },
      storageType: storage.storageType,
      version: arcaVersion,
      metrics,
      systemLeaseTtls: {
        defaultLeaseTtlSeconds: input.config.defaultLeaseTtlSeconds,
        maxLeaseTtlSeconds: input.config.maxLeaseTtlSeconds,
      },
      leaseTiming: { maxClockOffsetMs: input.config.maxClockOffsetMs },
      clusterName: input.config.vault.clusterName,
      apiAddr: input.config.apiAddr,
      clusterAddr: input.config.clusterAddr,
      prometheusEnabled: input.config.telemetry.prometheusRetentionSeconds > 0,
      // Single node: every write goes through this core's barrier, so its read cache is coherent.
      // Vault's `disable_cache = true` turns it off (no decrypted value outlives its request).
      barrierReadCache: input.config.disableCache
        ? undefined
        : {
            entriesMax: input.config.vault.cacheSizeEntries ?? limits.barrierReadCacheEntriesMax,
            bytesMax: input.config.vault.cacheSizeBytes ?? limits.barrierReadCacheBytesMax,
            valueBytesMax: limits.barrierReadCacheValueBytesMax,
          },
    });
  } catch (err) {
    await storage.physical.close();
    await storage.cleanup();
    throw err;
  }
  const ticker = setInterval(() => void core.tick(), expiryTickMs);
  ticker.unref();
  let closed = false;
  return {
    handleRequest: (request) => core.handleRequest(request),
    dataDir: storage.dataDir,
    reopenAuditDevices: () => core.reopenAuditDevices(),
    renderMetrics: (format) => core.renderMetrics(format),
    createDevRootToken: (id) => core.createDevRootToken(id),
    serving: () => metrics.registerProcessMetrics(),
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(ticker);
      try {
        await core.close();
      } finally {
        await storage.cleanup();
      }
    },
  };
}
