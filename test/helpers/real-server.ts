/**
 * A real Arca server for end-to-end tests of HTTP clients (the CLI, the typed client): the real
 * core as the server builds it (`createCore`: KV and cubbyhole engines, barrier, tokens, policies)
 * over in-memory storage, served by the real HTTP app on 127.0.0.1, port 0. Fresh core: not
 * initialised, sealed. `requests` records what reached core (read-only observation, used to check
 * how a client rewrote a path — never to fake an answer).
 */
import { Writable } from 'node:stream';
import type { LogicalRequest } from '../../src/logical/request.js';
import { devServerConfig } from '../../src/server/config.js';
import { createHttpApp, listenHttpApp } from '../../src/server/http/app.js';
import { createLogger } from '../../src/server/logger.js';
import { createCore, type ServerCore } from '../../src/server/main.js';

/** A running in-memory server. */
export interface RealServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  core: ServerCore;
  /** Every request core received, in order. */
  requests: LogicalRequest[];
  /** The last request core received (throws if none). */
  last(): LogicalRequest;
  /** Closes the listener, then core. */
  close(): Promise<void>;
}

/** Discards log lines (the server logs at `error` only here). */
class NullSink extends Writable {
  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    callback();
  }
}

/** Starts a fresh, sealed, uninitialised server over memory storage. */
export async function startRealServer(): Promise<RealServer> {
  const logger = createLogger({ level: 'error', destination: new NullSink() });
  const config = { ...devServerConfig('127.0.0.1:0'), storage: { type: 'inmem' as const } };
  const core = await createCore({ config, logger, dev: false });
  const requests: LogicalRequest[] = [];
  const app = createHttpApp({
    handler: {
      handleRequest: (request) => {
        requests.push(request);
        return core.handleRequest(request);
      },
    },
    logger,
  });
  let url: string;
  try {
    url = await listenHttpApp(app, '127.0.0.1:0');
  } catch (err) {
    await core.close();
    throw err;
  }
  return {
    url,
    core,
    requests,
    last: () => {
      const request = requests.at(-1);
      if (request === undefined) throw new Error('no request reached core');
      return request;
    },
    close: async () => {
      await app.close();
      await core.close();
    },
  };
}
