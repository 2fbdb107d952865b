/**
 * The pure parts of `bench:single`: wrk's `--latency` output, /proc/<pid>/stat and status, the
 * option parser, and the per-round ratio summaries. Outputs are captured from wrk 4.1 (Debian)
 * and this kernel's procfs.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseBenchOptions } from '../../../bench/single/options.js';
import { parseProcStat, parseProcStatus } from '../../../bench/single/proc.js';
import {
  attributeStalls,
  histogramPercentile,
  summarizeWindow,
  type ProbeSample,
} from '../../../bench/single/probe-summary.js';
import { perRoundRatios, summarize } from '../../../bench/single/stats.js';
import { parseLatencyMs, parseWrkOutput } from '../../../bench/single/wrk-output.js';

const wrkOutput = `Running 3s test @ http://127.0.0.1:18299
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.45ms   14.38ms    1.02s    85.69%
    Req/Sec     1.90k     1.56k    5.10k    76.67%
  Latency Distribution
     50%  812.00us
     75%   16.67ms
     90%   32.64ms
     99%    1.01s
  5745 requests in 3.09s, 4.16MB read
  Socket errors: connect 0, read 2, write 0, timeout 7
  Non-2xx or 3xx responses: 12
Requests/sec:   1858.45
Transfer/sec:      1.35MB
`;

test('wrk --latency output: counts, rate, percentiles in us/ms/s, errors', () => {
  const r = parseWrkOutput(wrkOutput);
  assert.equal(r.requests, 5745);
  assert.equal(r.durationSeconds, 3.09);
  assert.equal(r.requestsPerSecond, 1858.45);
  assert.equal(r.p50Ms, 0.812);
  assert.equal(r.p75Ms, 16.67);
  assert.equal(r.p99Ms, 1010);
  assert.equal(r.maxMs, 1020);
  assert.equal(r.socketErrors, 9);
  assert.equal(r.timeouts, 7);
  assert.equal(r.non2xx, 12);
});

test('wrk output without error lines has zero errors; without a distribution it throws', () => {
  const clean = wrkOutput.replace(/ {2}Socket errors.*\n/, '').replace(/ {2}Non-2xx.*\n/, '');
  const r = parseWrkOutput(clean);
  assert.equal(r.socketErrors, 0);
  assert.equal(r.non2xx, 0);
  assert.throws(() => parseWrkOutput(clean.replace(/ {5}99%.*\n/, '')), /99% latency/);
  assert.throws(() => parseLatencyMs('12 parsecs'), /cannot parse/);
});

test('/proc/<pid>/stat: utime and stime counted after the last ")" of comm', () => {
  // comm with a space and a parenthesis, as a thread name can have.
  const line =
    '4242 (node (main) x) S 1 4242 4242 0 -1 4194560 12345 0 0 0 1500 320 0 0 20 0 11 0 100 1000000 5000 18446744073709551615';
  assert.deepEqual(parseProcStat(line), { utime: 1500, stime: 320 });
  assert.throws(() => parseProcStat('garbage'), /not a \/proc/);
});

test('/proc/<pid>/status: VmRSS and VmHWM in KiB', () => {
  const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t  290000 kB\nVmRSS:\t  216000 kB\nThreads:\t11\n';
  assert.deepEqual(parseProcStatus(status), { rssKiB: 216000, hwmKiB: 290000 });
  assert.throws(() => parseProcStatus('Name:\tnode\n'), /VmRSS/);
});

test('options: defaults run the whole method; subsets and bad values', () => {
  const d = parseBenchOptions([]);
  assert.deepEqual(d.conns, [1, 16, 64]);
  assert.deepEqual(d.servers, ['arca', 'fastify', 'etcd', 'audit']);
  assert.equal(d.keys, 10000);
  const o = parseBenchOptions([
    '--only',
    'reads',
    '--conns',
    '16',
    '--rounds',
    '3',
    '--duration',
    '5',
    '--compare',
    '/x/main.js',
  ]);
  assert.deepEqual(o.only, ['reads']);
  assert.deepEqual(o.conns, [16]);
  assert.ok(o.servers.includes('arca-b'));
  // The default servers include audit, so the other build also runs with a file audit device.
  assert.ok(o.servers.includes('audit-b'));
  const noAudit = parseBenchOptions(['--servers', 'arca', '--compare', '/x/main.js']);
  assert.deepEqual(noAudit.servers, ['arca', 'arca-b']);
  assert.deepEqual(
    parseBenchOptions(['--servers', 'arca,etcd,floor-writes']).servers,
    ['arca', 'etcd', 'floor-writes'],
    'the write floor is selectable by name (and not in the default set)',
  );
  assert.throws(() => parseBenchOptions(['--only', 'everything']), /unknown "everything"/);
  assert.throws(() => parseBenchOptions(['--rounds', '0']), /positive integer/);
  assert.throws(() => parseBenchOptions(['--nope']), /nope/);
});

test('per-round ratios and their median/range; NaN rounds are dropped', () => {
  const ratios = perRoundRatios([100, 200, 300], [200, 200, 200]);
  assert.deepEqual(ratios, [0.5, 1, 1.5]);
  assert.deepEqual(summarize(ratios), { median: 1, min: 0.5, max: 1.5, n: 3 });
  assert.deepEqual(summarize([4, NaN, 2, 8, 6]), { median: 5, min: 2, max: 8, n: 4 });
  assert.equal(summarize([]).n, 0);
});

test('probe samples are matched to the window of a cell; histogram percentiles', () => {
  const s = (t: number, stall: number, gcMs: number, histogram: number[]): ProbeSample => ({
    t,
    wallMs: 250,
    stallMaxMs: stall,
    stallsOver20: stall > 20 ? 1 : 0,
    stalls: [],
    gc: { minor: { count: 1, totalMs: gcMs, maxMs: gcMs } },
    pauses: [],
    requests: histogram.reduce((a, b) => a + b, 0),
    serverP99Ms: NaN,
    serverMaxMs: stall,
    serverHistogram: histogram,
    mainRunMs: 200,
    mainWaitMs: 25,
    processCpuMs: 300,
    heapUsedMiB: 10,
    rssMiB: 100,
  });
  // 99 requests in the ≤ 10 ms bucket (index 6) and one in the ≤ 200 ms bucket (index 14).
  const fast = [0, 0, 0, 0, 0, 0, 99];
  const slow = [...new Array<number>(14).fill(0), 1];
  const w = summarizeWindow(
    [s(900, 99, 99, fast), s(1250, 10, 2, fast), s(1500, 30, 4, slow), s(2250, 99, 99, fast)],
    1000,
    2000,
  );
  assert.equal(w.samples, 2);
  assert.equal(w.stallMaxMs, 30);
  assert.equal(w.stallsOver20PerSecond, 1);
  assert.equal(w.gcMsPerSecond['minor'], 6);
  assert.equal(w.gcMaxMs['minor'], 4);
  assert.equal(w.serverP50Ms, 10);
  assert.equal(w.serverP99Ms, 10);
  assert.equal(histogramPercentile([...fast.slice(0, 6), 98, ...slow.slice(7)], 99), 200);
  assert.equal(w.mainWaitShare, 0.1);
  assert.equal(w.processCores, 1.2);
});

test('a stall is split into GC overlap, run-queue wait and running', () => {
  // A 100 ms stall ending at t=1105 (window 1000..1105): a 30 ms GC pause inside it, 50 ms waiting.
  const split = attributeStalls(
    [{ atMs: 1105, lateMs: 100, runMs: 55, waitMs: 50 }],
    [
      { atMs: 1010, kind: 'major', ms: 30 },
      { atMs: 2000, kind: 'minor', ms: 40 },
    ],
  );
  assert.deepEqual(split, { gc: 30, runQueue: 50, running: 20 });
  // Waiting cannot exceed what is left after GC.
  assert.deepEqual(attributeStalls([{ atMs: 1105, lateMs: 100, runMs: 0, waitMs: 500 }], []), {
    gc: 0,
    runQueue: 100,
    running: 0,
  });
});
