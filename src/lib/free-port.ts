/**
 * A loopback TCP port that was free a moment ago (bind port 0, read it, close): for the local
 * clusters, benchmarks and tests that start servers on 127.0.0.1. Another process can take it
 * before it is used, so callers start their server on it at once.
 */
import { createServer } from 'node:net';

/** A free 127.0.0.1 port, or a rejection if binding failed. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
