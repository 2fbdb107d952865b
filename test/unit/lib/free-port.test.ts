import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ephemeralPortRange, freePort } from '../../../src/lib/free-port.js';

test('freePort hands out bindable ports below the ephemeral range (where client sockets cannot take them)', async () => {
  const [low] = ephemeralPortRange();
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    if (low - 1 - 10_000 >= 1_000) assert.ok(port >= 10_000 && port < low, `port ${port} below ${low}`);
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
    });
  }
});

test('the ephemeral range is read from the kernel (or the Linux default)', () => {
  const [low, high] = ephemeralPortRange();
  assert.ok(Number.isInteger(low) && Number.isInteger(high) && low > 0 && high >= low);
});
