/**
 * A loopback TCP port that was free a moment ago, for the local clusters, benchmarks and tests that
 * start servers on 127.0.0.1. Another process can take it before it is used, so callers start their
 * server on it at once.
 *
 * The port is drawn at random BELOW the kernel's ephemeral range and checked by binding it. A port
 * from `listen(0)` comes from the ephemeral range, where the kernel also picks the local port of
 * every outgoing connection: between closing the probe and the server's bind (a child process
 * loading its modules), any client socket on the machine could take it, and the server would fail
 * with EADDRINUSE. Below the range only an explicit bind can collide.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const lowestPort = 10_000;
const attemptsMax = 64;

/** The kernel's ephemeral port range (Linux default when it cannot be read). */
export function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low > 0 && high >= low) return [low, high];
  } catch {
    // not Linux: the default below
  }
  return [32_768, 60_999];
}

/** Binds `port` (0: any) on 127.0.0.1 and closes it; the bound port, or undefined when taken. */
function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (port !== 0 && (err.code === 'EADDRINUSE' || err.code === 'EACCES')) resolve(undefined);
      else reject(err);
    });
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

/** A free 127.0.0.1 port below the ephemeral range (any free port if that range leaves no room). */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralPortRange();
  const highest = ephemeralLow - 1;
  if (highest - lowestPort >= 1_000) {
    for (let attempt = 0; attempt < attemptsMax; attempt++) {
      const port = await probe(randomInt(lowestPort, highest + 1));
      if (port !== undefined) return port;
    }
  }
  const any = await probe(0);
  if (any === undefined) throw new Error('no free port on 127.0.0.1');
  return any;
}
