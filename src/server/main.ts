/**
 * The composition root: reads the configuration (file or `-dev`), creates the logger, builds core,
 * and serves it on every configured listener through the HTTP app. `startServer` is what the CLI's
 * `server` command calls; it returns a handle whose `stop()` closes listeners, then core.
 *
 * Core is created by `createCore` (core-factory.ts) — the ONE place where core is wired in; tests
 * pass their own factory. SIGHUP re-opens audit files (log rotation) while the server runs.
 */
import { rm, writeFile } from 'node:fs/promises';
import { ArcaError } from '../lib/errors.js';
import { createServerCore } from './core-factory.js';
import type { RequestHandler } from '../logical/handler.js';
import type { RawResponse } from '../logical/response.js';
import { devServerConfig, loadServerConfig, type ServerConfig } from './config.js';
import { bootstrapDevCore, type DevCredentials } from './dev-mode.js';
import type { HttpApp, HttpAppOptions } from './http/app.js';
import { loadUiAssets } from './http/ui-assets.js';
import { createLogger, type Logger, type LogLevel } from './logger.js';
import type { DestinationStream } from 'pino';

/** Options of `startServer` (the `server` command's flags). */
export interface StartServerOptions {
  /** `-dev`: in-memory storage, auto init + unseal, KV v2 at `secret/`, plain HTTP. */
  dev?: boolean;
  /** `-dev-root-token-id`: the root token to create in dev mode. */
  devRootTokenId?: string;
  /** `-dev-listen-address` (default 127.0.0.1:8200). */
  devListenAddress?: string;
  /** `-config=<file>`: required unless `dev`. */
  configFile?: string;
  /** `-log-level`: overrides the config file's `log_level`. */
  logLevel?: LogLevel;
  /** Where log lines go (default stdout); tests pass a buffer. */
  logDestination?: DestinationStream;
  /** Human-facing output (the dev banner); default stdout. */
  print?: (text: string) => void;
  /**
   * Process-wide work the caller defers like `ServerCore.serving` (the CLI's heap policy): run once,
   * `servingWorkDelayMs` after the listeners open, never after `stop`.
   */
  serving?: () => void;
}

/** What the server needs from core: handle requests, and shut down cleanly (flush, stop Raft, close DB). */
export interface ServerCore extends RequestHandler {
  close(): Promise<void>;
  /** Re-opens audit files after external rotation (SIGHUP). */
  reopenAuditDevices?(): Promise<void>;
  /** Renders metrics for listeners with `unauthenticated_metrics_access`. */
  renderMetrics?(format: 'prometheus' | 'json'): Promise<RawResponse>;
  /** Dev mode: a root token with the `-dev-root-token-id` id (see dev-mode.ts). */
  createDevRootToken?(id: string): Promise<void>;
  /** Cluster members: the HTTP gate (forwarding, 307s, joins) run before the handler. */
  httpIntercept?: HttpAppOptions['intercept'];
  streamedUploads?: HttpAppOptions['streamedUploads'];
  /** Cluster members: the app forwarded requests are served through (the first listener's). */
  attachHttpApp?(app: HttpApp): void;
  /**
   * Work a node does not need before it serves (process metrics): called once, `servingWorkDelayMs`
   * after the listeners open, so it is not on the way to the first request (issue 16).
   */
  serving?(): void;
}

/** How long after the listeners open `ServerCore.serving` and `StartServerOptions.serving` run. */
const servingWorkDelayMs = 1000;

/** What `createCore` receives: the validated configuration and the process logger. */
export interface CoreFactoryInput {
  config: ServerConfig;
  logger: Logger;
  /** True for `-dev` (in-memory storage; `config.storage.type` is `inmem`). */
  dev: boolean;
}

/** A running server. */
export interface RunningServer {
  config: ServerConfig;
  logger: Logger;
  core: ServerCore;
  /** Base URL of each listener, in config order (`http://127.0.0.1:8200`). */
  addresses: string[];
  /** Set in dev mode. */
  devCredentials?: DevCredentials;
  /** Closes the listeners (in-flight requests finish), then core. Idempotent. */
  stop(): Promise<void>;
}

/** Builds core for this configuration (see core-factory.ts); not yet initialised or unsealed. */
export async function createCore(input: CoreFactoryInput): Promise<ServerCore> {
  return createServerCore(input);
}

/** Reads config, builds core and listens. Throws `ArcaError` (`invalid_field`) for bad config. */
export async function startServer(
  options: StartServerOptions,
  coreFactory = createCore,
): Promise<RunningServer> {
  const print = options.print ?? ((text: string) => process.stdout.write(text));
  let config: ServerConfig;
  if (options.dev) {
    config = devServerConfig(options.devListenAddress ?? '127.0.0.1:8200');
  } else if (options.configFile !== undefined) {
    config = await loadServerConfig(options.configFile);
  } else {
    throw new ArcaError('invalid_request', 'a configuration file must be given with -config, or use -dev');
  }
  if (options.logLevel) config = { ...config, logLevel: options.logLevel };
  const logger = createLogger({ level: config.logLevel, destination: options.logDestination });
  for (const warning of config.warnings) logger.warn(warning);

  // The HTTP stack (fastify, pino's glue, the routes) loads while core opens its storage and, in
  // dev mode, initialises and unseals: loading modules keeps the main thread busy while storage and
  // key setup mostly wait on the disk and the thread pool, so overlapping them shortens startup
  // (issue 16). Nothing listens before core is ready. Awaited below; if core fails first, the
  // import's own outcome is moot.
  const httpStack = import('./http/app.js');
  httpStack.catch(() => undefined);
  const core = await coreFactory({ config, logger, dev: options.dev === true });
  const apps: HttpApp[] = [];
  const onHangup = (): void => {
    logger.info('SIGHUP: re-opening audit devices');
    core.reopenAuditDevices?.().catch((err: unknown) => {
      logger.error({ err: { message: (err as Error).message } }, 're-opening audit devices failed');
    });
  };
  process.on('SIGHUP', onHangup);
  let stopped = false;
  let servingTimer: NodeJS.Timeout | undefined;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    clearTimeout(servingTimer);
    process.off('SIGHUP', onHangup);
    await Promise.allSettled(apps.map((app) => app.close()));
    await core.close();
    if (config.vault.pidFile !== undefined) await rm(config.vault.pidFile, { force: true });
    logger.info('server stopped');
    logger.flush();
  };
  try {
    // Dev mode is initialised and unsealed before the first listener opens: clients never see it sealed.
    const devCredentials = options.dev
      ? await bootstrapDevCore(core, { rootTokenId: options.devRootTokenId })
      : undefined;
    const { createHttpApp, listenHttpApp } = await httpStack;
    const addresses: string[] = [];
    const ui = config.vault.ui === true ? loadUiAssets() : undefined;
    if (ui !== undefined && ui.size === 0)
      logger.warn('ui = true but the web UI is not built (dist/ui is missing)');
    for (const listener of config.listeners) {
      const tls =
        listener.tlsDisable || !listener.tlsCertFile || !listener.tlsKeyFile
          ? undefined
          : { certFile: listener.tlsCertFile, keyFile: listener.tlsKeyFile };
      const app = createHttpApp({
        handler: core,
        logger,
        requestBodyBytesMax: listener.requestBodyBytesMax,
        jsonLimits: listener.jsonLimits,
        tls,
        unauthenticatedMetrics:
          listener.unauthenticatedMetricsAccess && core.renderMetrics
            ? (format) => core.renderMetrics!(format)
            : undefined,
        intercept: core.httpIntercept,
        streamedUploads: core.streamedUploads,
        ui,
      });
      core.attachHttpApp?.(app);
      apps.push(app);
      addresses.push(await listenHttpApp(app, listener.address));
    }
    logger.info(
      { addresses, storage: options.dev ? 'leveldb (temporary directory)' : config.storage.type },
      'server started',
    );
    servingTimer = setTimeout(() => {
      core.serving?.();
      options.serving?.();
    }, servingWorkDelayMs);
    servingTimer.unref();
    // Vault's pid_file: written once the listeners are up, removed by stop().
    if (config.vault.pidFile !== undefined) await writeFile(config.vault.pidFile, `${process.pid}\n`);
    if (devCredentials) print(devBanner(addresses[0], devCredentials));
    return { config, logger, core, addresses, devCredentials, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Vault's dev-mode warning and credentials (printed to the terminal, never logged). */
export function devBanner(address: string, credentials: DevCredentials): string {
  return [
    'WARNING! dev mode is enabled! In this mode, Arca keeps its data in a temporary',
    'directory that is deleted when it stops, and starts unsealed with a single',
    'unseal key. Use the root token below to begin using Arca.',
    '',
    'You may need to set the following environment variables:',
    '',
    `    $ export VAULT_ADDR='${address}'`,
    '',
    'The unseal key and root token are displayed below in case you want to',
    'seal/unseal the Vault or re-authenticate.',
    '',
    `Unseal Key: ${credentials.unsealKey}`,
    `Root Token: ${credentials.rootToken}`,
    '',
    'Development mode should NOT be used in production installations!',
    '',
  ].join('\n');
}
