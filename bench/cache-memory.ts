/**
 * The real memory of the barrier read cache per entry, next to what it is charged against its byte
 * bound (`cacheEntryBytes`): 100k entries with barrier-like keys, with and without other Buffer
 * traffic between the fills (a live server allocates request and response buffers all the time).
 * Each row is measured in a fresh process (freed memory is reused, so rows would skew each other).
 * Run: `npm run build && node dist/bench/cache-memory.js`.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PlaintextCache } from '../src/storage/barrier/plaintext-cache.js';

const entries = 100_000;

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) gc();
}

/** Fills a cache with `entries` values of `valueBytes`; bytes of RSS/heap/external per entry. */
function measure(valueBytes: number, traffic: boolean): string {
  const cache = new PlaintextCache(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 1 << 20);
  const other: Buffer[] = [];
  collect();
  const before = process.memoryUsage();
  for (let i = 0; i < entries; i++) {
    const key = `logical/0f8fad5b-d9cb-469f-a165-70867728950e/versions/${((i * 2654435761) >>> 0).toString(16)}/k${i}`;
    if (traffic) {
      for (let j = 0; j < 6; j++) other.push(Buffer.from('x'.repeat(700)));
      if (other.length > 600) other.length = 0;
    }
    cache.fill(key, Buffer.alloc(valueBytes, i & 0xff), cache.generation());
  }
  other.length = 0;
  collect();
  const after = process.memoryUsage();
  const per = (k: 'rss' | 'heapUsed' | 'external'): string => ((after[k] - before[k]) / entries).toFixed(0);
  const row = `| ${valueBytes} | ${traffic ? 'yes' : 'no'} | ${per('rss')} | ${per('heapUsed')} | ${per('external')} | ${(cache.chargedBytes / entries).toFixed(0)} |`;
  cache.clear();
  return row;
}

const [valueArg, trafficArg] = process.argv.slice(2);
if (valueArg !== undefined) {
  console.log(measure(Number(valueArg), trafficArg === 'traffic'));
} else {
  console.log(
    `Barrier read cache: memory per entry over ${entries} entries (bytes), node ${process.version}`,
  );
  console.log('| value | other Buffer traffic | RSS | V8 heap | external | charged |');
  console.log('|---|---|---|---|---|---|');
  const self = fileURLToPath(import.meta.url);
  for (const valueBytes of [100, 350, 1000]) {
    for (const traffic of ['quiet', 'traffic']) {
      const row = execFileSync(process.execPath, ['--expose-gc', self, String(valueBytes), traffic], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      process.stdout.write(row);
    }
  }
}
