/**
 * A test double for core: records every `LogicalRequest` it receives and answers with whatever the
 * test queued (a response, an `ArcaError`, or any other thrown error). Plus helpers to run the real
 * HTTP app on 127.0.0.1:0 with it.
 */
import { Writable } from 'node:stream';
import type { LogicalRequest } from '../../../../src/logical/request.js';
import type { LogicalResponse } from '../../../../src/logical/response.js';
import type { RequestHandler } from '../../../../src/logical/handler.js';
import {
  createHttpApp,
  listenHttpApp,
  type HttpApp,
  type HttpAppOptions,
} from '../../../../src/server/http/app.js';
import { createLogger } from '../../../../src/server/logger.js';

type Reply =
  LogicalResponse | Error | ((request: LogicalRequest) => LogicalResponse | Promise<LogicalResponse>);

export class RecordingHandler implements RequestHandler {
  readonly requests: LogicalRequest[] = [];
  /** Used when `next` is empty. */
  fallback: Reply = { data: { ok: true } };
  private readonly next: Reply[] = [];

  /** Queues the reply for the next request. */
  reply(reply: Reply): this {
    this.next.push(reply);
    return this;
  }

  async handleRequest(request: LogicalRequest): Promise<LogicalResponse> {
    this.requests.push(request);
    const reply = this.next.shift() ?? this.fallback;
    if (reply instanceof Error) throw reply;
    if (typeof reply === 'function') return reply(request);
    return reply;
  }

  get last(): LogicalRequest {
    const request = this.requests.at(-1);
    if (!request) throw new Error('no request recorded');
    return request;
  }
}

/** Collects log lines in memory. */
export class LogSink extends Writable {
  readonly chunks: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString('utf8'));
    callback();
  }
  get text(): string {
    return this.chunks.join('');
  }
}

export interface RunningApp {
  app: HttpApp;
  url: string;
  port: number;
  handler: RecordingHandler;
  logs: LogSink;
  close(): Promise<void>;
}

/** Starts the real app with a RecordingHandler on an ephemeral loopback port. */
export async function startTestApp(options: Partial<HttpAppOptions> = {}): Promise<RunningApp> {
  const handler = new RecordingHandler();
  const logs = new LogSink();
  const app = createHttpApp({
    handler,
    logger: createLogger({ level: 'debug', destination: logs }),
    ...options,
  });
  const url = await listenHttpApp(app, '127.0.0.1:0');
  return {
    app,
    url,
    port: Number(new URL(url).port),
    handler,
    logs,
    close: () => app.close(),
  };
}

/** Parsed JSON body of a test response (loosely typed on purpose: tests assert its shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = any;

/** Reads a fetch response as JSON. */
export async function readJson(res: Response): Promise<JsonBody> {
  return res.json();
}
