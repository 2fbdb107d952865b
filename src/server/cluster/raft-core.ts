/**
 * Core on integrated storage (`storage "raft"`): the composition of a cluster member. Builds the
 * cluster node (identity, Noise transport on `cluster_addr`, membership, Raft), core over the
 * node's Raft storage with HA, the `sys/storage/raft/*` paths, autopilot, the join client, and the
 * HTTP gate (forwarding, 307s, join/unseal while joining, bootstrap on `sys/init`).
 */
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { Core } from '../../core/core.js';
import { systemClock } from '../../lib/clock.js';
import { ArcaError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import { anyObject } from '../../lib/shape.js';
import { ArcaMetrics } from '../../lib/metrics.js';
import { systemRng } from '../../lib/rng.js';
import type { RawResponse } from '../../logical/response.js';
import type { ServerConfig } from '../config.js';
import type { HttpApp, HttpAppOptions, InterceptedResponse } from '../http/app.js';
import { clientMethod, toLogicalRequest } from '../http/request-mapping.js';
import { renderResponse } from '../http/response-rendering.js';
import { authEngines, secretEngines } from '../engine-registry.js';
import type { Logger } from '../logger.js';
import { Autopilot } from './autopilot.js';
import { ClusterNode, defaultRaftTiming, type RaftTiming } from './cluster-node.js';
import { clusterHttpGate, type GateRoute } from './http-gate.js';
import { injectInto } from './inject.js';
import { JoinClient } from './join-client.js';
import { raftPaths } from './raft-paths.js';
import { restoreSnapshot } from './snapshot-restore.js';
import { internalForwardHeader } from './forwarding.js';
import { SnapshotUploads } from './snapshot-upload.js';

const version = '0.1.0';
const tickMs = 500;

/** A core on Raft, as the server holds it (see main.ts `ServerCore`). */
export interface RaftServerCore {
  handleRequest: Core['handleRequest'];
  close(): Promise<void>;
  reopenAuditDevices(): Promise<void>;
  renderMetrics(format: 'prometheus' | 'json'): Promise<RawResponse>;
  /** The HTTP gate (the app's `intercept`). */
  httpIntercept: (request: FastifyRequest) => Promise<InterceptedResponse | undefined>;
  /** Snapshot uploads streamed to disk (the app's `streamedUploads`). */
  streamedUploads: NonNullable<HttpAppOptions['streamedUploads']>;
  /** Registers the first listener's app as the target of forwarded requests. */
  attachHttpApp(app: HttpApp): void;
  dataDir: string;
}

type HaMode = 'sealed' | 'standby' | 'active';

/** Raft timing overrides from the environment (tests and `npm run cluster` use the defaults). */
function timingFromEnv(): Partial<RaftTiming> {
  const out: Partial<RaftTiming> = {};
  const n = (name: string): number | undefined => {
    const v = process.env[name];
    return v === undefined || v === '' ? undefined : Number(v);
  };
  const threshold = n('ARCA_RAFT_SNAPSHOT_THRESHOLD');
  const trailing = n('ARCA_RAFT_SNAPSHOT_TRAILING');
  if (threshold !== undefined) out.snapshotThresholdEntries = threshold;
  if (trailing !== undefined) out.snapshotTrailingEntries = trailing;
  return out;
}

/** The `api_addr` to advertise: configured, else the first listener (0.0.0.0 → 127.0.0.1). */
export function advertisedApiAddr(config: ServerConfig): string {
  if (config.apiAddr !== undefined) return config.apiAddr;
  const listener = config.listeners[0];
  const scheme = listener.tlsDisable ? 'http' : 'https';
  return `${scheme}://${listener.address.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
}

/** Builds a cluster member's core (sealed; Raft opened if it has state). */
export async function createRaftServerCore(config: ServerConfig, logger: Logger): Promise<RaftServerCore> {
  const storageConfig = config.storage;
  if (storageConfig.type !== 'raft' || config.clusterAddr === undefined) {
    throw new ArcaError('invalid_field', 'storage "raft" requires cluster_addr');
  }
  const raftTiming = timingFromEnv();
  const metrics = new ArcaMetrics();
  const node = await ClusterNode.start({
    path: storageConfig.path,
    nodeId: storageConfig.nodeId,
    clusterAddr: config.clusterAddr,
    clusterBindAddress: config.listeners.find((l) => l.clusterAddress !== undefined)?.clusterAddress,
    apiAddr: advertisedApiAddr(config),
    logger,
    clock: systemClock,
    rng: systemRng,
    timing: raftTiming,
    maxClockOffsetMs: config.maxClockOffsetMs,
    clockMetrics: metrics.clock(),
  });
  const uploads = new SnapshotUploads(systemClock, join(storageConfig.path, 'snapshot-uploads'));
  /** Upload references of requests whose body was streamed to disk. */
  const received = new WeakMap<FastifyRequest, string>();
  const autopilot = new Autopilot(
    node.transport,
    node.membership,
    () => node.storage.current,
    systemClock,
    logger,
    version,
  );
  const box: { core?: Core } = {};
  let core: Core;
  try {
    core = await Core.create({
      physical: node.storage,
      ha: node.storage,
      standbyReads: config.vault.standbyReads === true,
      // Expiries are stamped and checked on the guard's vetted wall clock (vetted-clock.ts).
      clock: node.clockGuard.vettedClock(),
      rng: systemRng,
      logger,
      engines: { ...secretEngines },
      authEngines: { ...authEngines },
      storageType: 'raft',
      metrics,
      version,
      systemLeaseTtls: {
        defaultLeaseTtlSeconds: config.defaultLeaseTtlSeconds,
        maxLeaseTtlSeconds: config.maxLeaseTtlSeconds,
      },
      // Time rules: ε from the config; a new active node also waits one election timeout.
      leaseTiming: {
        maxClockOffsetMs: config.maxClockOffsetMs,
        electionTimeoutMs:
          (raftTiming.electionTimeoutTicks ?? defaultRaftTiming.electionTimeoutTicks) *
          (raftTiming.tickIntervalMs ?? defaultRaftTiming.tickIntervalMs),
      },
      clockOffset: () => {
        const s = node.clockGuard.status();
        return { offsetMs: s.offsetFromPeersMs, fenced: s.fenced, maxClockOffsetMs: s.maxClockOffsetMs };
      },
      systemPaths: raftPaths({
        storage: () => node.storage.current,
        joinChallenges: () => box.core!.joinChallenges,
        autopilot,
        restoreSnapshot: async (upload, force) => {
          const { foreign } = await restoreSnapshot(node, upload, force);
          // Another cluster's keyring: this barrier cannot read the restored data. Seal (after this
          // request has been answered); the operator unseals with the snapshot's keys.
          if (foreign) setTimeout(() => void box.core?.lifecycle.sealVault().catch(() => undefined), 0);
        },
        takeUpload: (ref) => uploads.take(ref),
        discardUpload: (upload) => uploads.discard(upload),
      }),
    });
  } catch (err) {
    await node.close();
    throw err;
  }
  box.core = core;
  const mode = (): HaMode => core.haMode();

  const joinClient = new JoinClient(
    node,
    {
      isInitialized: () => core.lifecycle.isInitialized(),
      unsealWith: (shares) => core.lifecycle.unsealWith(shares),
      sealStatusBody: async () => sealStatusOf(core),
    },
    systemClock,
    logger,
  );
  if (!(await node.hasRaftState()) && storageConfig.retryJoin.length > 0) {
    joinClient.startRetrying(storageConfig.retryJoin.map((j) => j.leaderApiAddr));
  }

  const routes = new Map<string, GateRoute>([
    ['sys/storage/raft/join', (request) => joinRoute(request, joinClient)],
    ['sys/seal-status', async () => (joinClient.isPending ? joinClient.sealStatus() : undefined)],
    ['sys/unseal', async (request) => (joinClient.isPending ? joinClient.unseal(request) : undefined)],
    [
      'sys/init',
      async (request) => {
        // The node where init runs founds the cluster: Raft opens with it as the only voter.
        if (request.method === 'PUT' || request.method === 'POST') {
          if (joinClient.isPending) throw new ArcaError('invalid_request', 'a raft join is in progress');
          if (node.storage.current === undefined && !(await core.lifecycle.isInitialized()))
            await node.bootstrap();
        }
        return undefined;
      },
    ],
  ]);
  const snapshotUpload: GateRoute = async (request) => {
    if (request.method !== 'POST' && request.method !== 'PUT') return undefined;
    const ref =
      received.get(request) ??
      uploads.put(
        await uploads.receive(
          [Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)],
          limits.raftSnapshotBytesMax,
        ),
      );
    const logical = toLogicalRequest({
      requestId: request.id,
      method: request.method,
      url: request.url.split('?')[0],
      headers: { ...request.headers, 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ snapshot_ref: ref })),
      remoteAddress: request.socket.remoteAddress ?? '',
    });
    try {
      const rendered = renderResponse(request.id, await core.handleRequest(logical));
      return {
        status: rendered.status,
        headers: { 'content-type': rendered.contentType },
        body: rendered.body === undefined ? undefined : Buffer.from(rendered.body),
      };
    } finally {
      const left = uploads.take(ref);
      if (left !== undefined) await uploads.discard(left);
    }
  };
  const streamedUploads: RaftServerCore['streamedUploads'] = {
    paths: ['sys/storage/raft/snapshot', 'sys/storage/raft/snapshot-force'],
    bytesMax: limits.raftSnapshotBytesMax,
    receive: async (request, body) => {
      const forwardedHere = request.headers[internalForwardHeader] === node.forwarding.marker;
      if (mode() === 'standby' && !forwardedHere) {
        // The gate forwards it to the active node: the body travels whole, as any request's.
        const parts: Buffer[] = [];
        let size = 0;
        for await (const part of body as AsyncIterable<Buffer>) {
          size += part.length;
          if (size > limits.requestBodyBytesMax) throw new ArcaError('payload_too_large');
          parts.push(part);
        }
        return Buffer.concat(parts);
      }
      received.set(request, uploads.put(await uploads.receive(body, limits.raftSnapshotBytesMax)));
      return new Uint8Array(0);
    },
  };
  const servedHere = new Map<string, GateRoute>([
    ['sys/storage/raft/snapshot', snapshotUpload],
    ['sys/storage/raft/snapshot-force', snapshotUpload],
  ]);
  const haView = node.haView(mode);
  const standbyRead =
    config.vault.standbyReads === true
      ? standbyReadRoute(core, () => {
          // Without a connected active node the ReadIndex round cannot succeed: forward at once
          // (forwarding waits for a leader, then answers 503), instead of timing the round out.
          const active = haView.active();
          return active !== undefined && node.transport.isConnected(active.peerId);
        })
      : undefined;
  const httpIntercept = clusterHttpGate(haView, node.forwarding, routes, servedHere, standbyRead);

  const ticker = setInterval(() => {
    void core.tick();
    void autopilot.tick();
  }, tickMs);
  ticker.unref();
  let attached = false;
  let closed = false;
  return {
    handleRequest: (request) => core.handleRequest(request),
    reopenAuditDevices: () => core.reopenAuditDevices(),
    renderMetrics: (format) => core.renderMetrics(format),
    httpIntercept,
    streamedUploads,
    dataDir: storageConfig.path,
    attachHttpApp: (app) => {
      if (attached) return;
      attached = true;
      node.forwarding.serve(
        injectInto(app),
        () => mode() === 'active',
        () => mode() === 'standby' && node.storage.isLeader(),
      );
    },
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(ticker);
      joinClient.stop();
      try {
        await core.close();
      } finally {
        await node.close();
      }
    },
  };
}

/**
 * The gate's standby read: GET and LIST requests are offered to core (`handleStandbyRead`);
 * undefined (forward) for anything else, anything core declines, or while the active node is not
 * connected. Errors (403, 404 ...) are core's answers, rendered by the HTTP app.
 */
function standbyReadRoute(core: Core, leaderReachable: () => boolean): GateRoute {
  return async (request) => {
    const method = clientMethod(request.method);
    if ((method !== 'GET' && method !== 'LIST') || !leaderReachable()) return undefined;
    let logical;
    try {
      logical = toLogicalRequest({
        requestId: request.id,
        method: request.method,
        url: request.url,
        headers: request.headers,
        remoteAddress: request.socket.remoteAddress ?? '',
      });
    } catch {
      return undefined; // the active node answers a malformed request as usual
    }
    const response = await core.handleStandbyRead(logical);
    if (response === undefined) return undefined;
    const rendered = renderResponse(request.id, response);
    return {
      status: rendered.status,
      headers: { 'content-type': rendered.contentType },
      body: rendered.body === undefined ? undefined : Buffer.from(rendered.body),
    };
  };
}

async function sealStatusOf(core: Core): Promise<Record<string, unknown>> {
  const response = await core.handleRequest({
    id: 'seal-status',
    operation: 'read',
    path: 'sys/seal-status',
    data: {},
    clientToken: '',
    headers: {},
    remoteAddress: '',
  });
  const body = response.raw?.body;
  return body === undefined ? {} : anyObject(JSON.parse(Buffer.from(body).toString('utf8')), 'seal-status');
}

async function joinRoute(request: FastifyRequest, joinClient: JoinClient): Promise<InterceptedResponse> {
  if (request.method !== 'POST' && request.method !== 'PUT') throw new ArcaError('unsupported_operation');
  let body: Record<string, unknown> = {};
  if (Buffer.isBuffer(request.body) && request.body.length > 0) {
    try {
      body = anyObject(JSON.parse(request.body.toString('utf8')), 'body');
    } catch {
      throw new ArcaError('malformed_json');
    }
  }
  const leader = body.leader_api_addr;
  if (typeof leader !== 'string' || leader === '')
    throw new ArcaError('invalid_request', 'leader_api_addr is required');
  try {
    new URL(leader);
  } catch {
    throw new ArcaError('invalid_request', 'leader_api_addr must be a URL');
  }
  await joinClient.join({
    leaderApiAddr: leader,
    retry: body.retry === true || body.retry === 'true',
    nonVoter: body.non_voter === true || body.non_voter === 'true',
  });
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ joined: true })),
  };
}
