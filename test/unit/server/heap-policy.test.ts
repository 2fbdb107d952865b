/**
 * The server heap policy (heap-policy.ts). The policy is process-wide, so it is observed in child
 * processes: V8's own trace (`--trace-gc-verbose`) says which growing factor each full GC used, and
 * a real `arca server` process is seen applying the policy once it listens. What the policy is
 * worth (peak RSS under load) is a benchmark figure, not a test: docs/benchmarks.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { applyServerHeapPolicy, heapGrowingPercent } from '../../../src/server/heap-policy.js';
import { spawnDevServer } from './dev-process.js';

const run = promisify(execFile);
const policyModule = new URL('../../../src/server/heap-policy.js', import.meta.url).href;

/** The growing factors V8 reports for the full GCs run after `applyServerHeapPolicy`. */
async function growingFactorsAfterPolicy(): Promise<number[]> {
  const script = `
import { applyServerHeapPolicy } from ${JSON.stringify(policyModule)};
const live = [];
for (let i = 0; i < 200000; i++) live.push({ i, text: 'v' + i });
applyServerHeapPolicy([]);
console.log('APPLIED');
globalThis.gc();
globalThis.gc();
console.log('LIVE ' + live.length);
`;
  const { stdout } = await run(
    process.execPath,
    ['--trace-gc-verbose', '--expose-gc', '--input-type=module', '-e', script],
    { timeout: 120_000, maxBuffer: 64 * 2 ** 20 },
  );
  // V8 writes its trace to stdout, interleaved with the script's own lines.
  assert.match(stdout, /LIVE 200000/);
  const after = stdout.split('APPLIED')[1] ?? '';
  return [
    ...after.matchAll(/\[HeapController\] Limit: old size: \d+ KB, new limit: \d+ KB \(([\d.]+)\)/g),
  ].map((m) => Number(m[1]));
}

test('V8 sizes the old generation at 2x what is live once the policy is applied', async () => {
  const factors = await growingFactorsAfterPolicy();
  assert.ok(factors.length >= 2, `no full GC reported: ${factors.join()}`);
  for (const factor of factors) assert.equal(factor, 1 + heapGrowingPercent / 100);
});

test('an operator’s own --heap-growing-percent on the node command line is kept', () => {
  assert.equal(applyServerHeapPolicy(['--heap-growing-percent=200']), false);
  assert.equal(applyServerHeapPolicy(['--max-old-space-size=512', '--heap_growing_percent=10']), false);
  assert.ok(heapGrowingPercent > 0 && heapGrowingPercent <= 100);
});

const preload = `
import v8 from 'node:v8';
import { syncBuiltinESMExports } from 'node:module';
const set = v8.setFlagsFromString;
v8.setFlagsFromString = (flags) => { process.stderr.write('V8FLAGS ' + flags + '\\n'); set(flags); };
syncBuiltinESMExports();
`;

test('arca server applies the policy to its own process once it listens', async () => {
  const { child, stop } = spawnDevServer(preload, 'arca-heap-policy-');
  child.stdout.resume();
  try {
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes(`V8FLAGS --heap-growing-percent=${heapGrowingPercent}`)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`server exited (${code}) first: ${stderr}`)));
    });
  } finally {
    await stop('SIGKILL');
  }
});
