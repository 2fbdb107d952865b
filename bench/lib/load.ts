/**
 * A closed-loop HTTP load generator for benchmarks: `concurrency` workers, each with its own
 * keep-alive connection, send requests back to back for `durationMs` and record latencies.
 * Runs in the benchmark process while the server under test runs in a child process, so the two
 * do not share an event loop.
 */
import { Agent, request } from 'node:http';

export interface LoadResult {
  requests: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Sends one request and resolves with its status (body drained). */
export function send(agent: Agent, port: number, req: LoadRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = Buffer.byteLength(req.body);
    }
    const r = request(
      { host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs the closed loop; `next(worker, i)` builds each request; a status ≥ 400 counts as an error. */
export async function runLoad(options: {
  port: number;
  concurrency: number;
  durationMs: number;
  next: (worker: number, i: number) => LoadRequest;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + options.durationMs;
  const started = performance.now();
  const workers = Array.from({ length: options.concurrency }, async (_, worker) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        const status = await send(agent, options.port, options.next(worker, i));
        latencies.push(performance.now() - t0);
        if (status >= 400) errors++;
      }
    } finally {
      agent.destroy();
    }
  });
  await Promise.all(workers);
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    perSecond: (latencies.length / elapsedMs) * 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}
