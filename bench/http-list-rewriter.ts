/**
 * Cost of the LIST support (src/server/http/list-method-rewriter.ts + list-aware-server.ts), measured
 * side by side in one run:
 *  1. rewriter throughput on a realistic byte stream vs a plain pass over the same bytes;
 *  2. keep-alive request rate of a node:http server with LIST rewriting vs a plain one
 *     (same trivial handler, pipelined GET/POST over one loopback connection).
 * Run: npm run build && node dist/bench/http-list-rewriter.js
 */
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { ListMethodRewriter } from '../src/server/http/list-method-rewriter.js';
import { createListAwareServer } from '../src/server/http/list-aware-server.js';

function wire(count: number, listMethod = 'LIST'): Buffer {
  const body = JSON.stringify({ data: { password: 'x'.repeat(180) } });
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 3 === 0)
      parts.push(
        `${listMethod} /v1/secret/metadata/app${i} HTTP/1.1\r\nHost: h\r\nX-Vault-Token: hvs.t\r\n\r\n`,
      );
    else if (i % 3 === 1)
      parts.push(`GET /v1/secret/data/app${i} HTTP/1.1\r\nHost: h\r\nX-Vault-Token: hvs.t\r\n\r\n`);
    else
      parts.push(
        `POST /v1/secret/data/app${i} HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
  }
  return Buffer.from(parts.join(''));
}

function rewriterThroughput(): void {
  const bytes = wire(30_000);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 16 * 1024) chunks.push(bytes.subarray(i, i + 16 * 1024));
  let t = performance.now();
  let sink = 0;
  for (let round = 0; round < 5; round++) for (const chunk of chunks) sink += Buffer.from(chunk).length;
  const copyMs = performance.now() - t;
  t = performance.now();
  for (let round = 0; round < 5; round++) {
    const rewriter = new ListMethodRewriter();
    for (const chunk of chunks) sink += rewriter.transform(chunk).length;
  }
  const rewriteMs = performance.now() - t;
  const mb = (bytes.length * 5) / 1e6;
  const perRequestUs = (rewriteMs * 1000) / (30_000 * 5);
  console.log(
    `rewriter: ${(mb / (rewriteMs / 1000)).toFixed(0)} MB/s (${perRequestUs.toFixed(2)} µs/request) ` +
      `vs plain copy ${(mb / (copyMs / 1000)).toFixed(0)} MB/s (sink ${sink})`,
  );
}

/** Pipelines batches of 99 GET/POST requests (two batches in flight) over one connection; returns responses per second. */
async function requestRate(server: http.Server, requests: number): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const batch = wire(99, 'GET'); // the plain server cannot parse LIST: both get the same GET/POST mix
  const perBatch = 99;
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let responses = 0;
  let sent = 0;
  let tail = '';
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench timed out: ${responses}/${sent}`)), 60_000);
    const send = () => {
      sent += perBatch;
      socket.write(batch);
    };
    socket.on('data', (d: Buffer) => {
      const text = tail + d.toString('latin1');
      responses += text.split('HTTP/1.1 200').length - 1;
      tail = text.slice(-11); // shorter than the marker: a match is never counted twice
      if (responses >= requests) {
        clearTimeout(timer);
        resolve();
      } else if (sent - responses < perBatch) {
        send();
      }
    });
    send();
    send();
  });
  const elapsed = performance.now() - start;
  socket.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return (responses / elapsed) * 1000;
}

const handler: http.RequestListener = (req, res) => {
  req.resume();
  req.on('end', () => res.end('{}'));
};

rewriterThroughput();
const requests = 30_000;
const plain = await requestRate(http.createServer(handler), requests);
const wrapped = await requestRate(createListAwareServer(handler), requests);
console.log(
  `keep-alive requests/s: plain ${plain.toFixed(0)}, with LIST rewriting ${wrapped.toFixed(0)} (ratio ${(wrapped / plain).toFixed(2)})`,
);
