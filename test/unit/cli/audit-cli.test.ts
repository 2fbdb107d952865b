/**
 * `arca audit ...` end to end: the real CLI over real HTTP to a real core (MemoryPhysical), with a
 * real file device in a temp dir: enable/list/disable, verify OK via -device, each tamper kind
 * named with file and line, tail truncation caught only with -device.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core } from '../../../src/core/core.js';
import { kvBackendFactory } from '../../../src/engines/kv/index.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { SeededRng } from '../../../src/lib/rng.js';
import { MemoryPhysical } from '../../../src/storage/physical/memory.js';
import { startTestApp, type RunningApp } from '../server/http/test-handler.js';
import { runCaptured, type Run } from './run-captured.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('arca audit (real core over HTTP)', () => {
  let server: RunningApp;
  let core: Core;
  let dir: string;
  let rootToken: string;

  const cli = (...argv: string[]): Promise<Run> =>
    runCaptured(argv, { env: { VAULT_ADDR: server.url, VAULT_TOKEN: rootToken }, homeDir: dir });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'arca-audit-cli-'));
    core = await Core.create({
      physical: new MemoryPhysical(),
      clock: new FakeClock(),
      rng: new SeededRng(3),
      logger: silent,
      engines: { kv: kvBackendFactory },
    });
    rootToken = (await core.initializeDev()).rootToken;
    server = await startTestApp();
    server.handler.fallback = (req) => core.handleRequest(req);
  });
  after(async () => {
    await server.close();
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('enable, list, write through the device, verify OK, tampering named, disable', async () => {
    const file = join(dir, 'audit.log');
    let run = await cli('audit', 'enable', 'file', `file_path=${file}`, '-description=main');
    assert.equal(run.code, 0, run.err);
    assert.equal(run.out, 'Success! Enabled the file audit device at: file/\n');
    run = await cli('audit', 'enable', 'file', `file_path=${file}`);
    assert.equal(run.code, 1);
    assert.match(run.err, /Code: 400/);
    run = await cli('audit', 'list', '-detailed');
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^file\/\s+file\s+main\s+replicated\s+file_path=/m);
    for (let i = 0; i < 3; i++) {
      assert.equal((await cli('kv', 'put', 'secret/app', `n=${i}`)).code, 0);
    }
    run = await cli('audit', 'verify', file, '-device=file');
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^OK: \d+ entries \(seq 1\.\.\d+\)\n$/);

    const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
    const tampered = join(dir, 'tampered.log');
    const write = (ls: string[]) => writeFileSync(tampered, ls.map((l) => `${l}\n`).join(''));
    const key = JSON.parse((await cli('read', '-format=json', 'sys/audit-chain/file')).out).data
      .key as string;
    const cases: [string, string[], RegExp][] = [
      ['delete', [...lines.slice(0, 2), ...lines.slice(3)], /tampered\.log:3: .*removed/],
      [
        'insert',
        [...lines.slice(0, 2), lines[1], ...lines.slice(2)],
        /tampered\.log:3: .*(reordered|duplicated)/,
      ],
      ['reorder', [lines[0], lines[2], lines[1], ...lines.slice(3)], /tampered\.log:2: /],
      [
        'edit',
        [lines[0], lines[1].replace('"operation":"', '"operation":"x'), ...lines.slice(2)],
        /tampered\.log:2: .*mac/,
      ],
    ];
    for (const [kind, ls, expected] of cases) {
      write(ls);
      run = await cli('audit', 'verify', tampered, `-key=${key}`);
      assert.equal(run.code, 1, kind);
      assert.match(run.err, expected, kind);
    }
    write(lines.slice(0, -2));
    assert.equal((await cli('audit', 'verify', tampered, `-key=${key}`)).code, 0, 'a tail cut needs -device');
    run = await cli('audit', 'verify', tampered, '-device=file');
    assert.equal(run.code, 1);
    assert.match(run.err, /missing at the end/);
    run = await cli('audit', 'verify', file);
    assert.equal(run.code, 2, 'a key source is required');

    run = await cli('audit', 'disable', 'file');
    assert.equal(run.out, 'Success! Disabled audit device (if it was enabled) at: file/\n');
    run = await cli('audit', 'list');
    assert.equal(run.out, 'No audit devices are enabled.\n');
  });

  test('disable + re-enable on the same file (break-glass): verify -device finds 2 authenticated segments', async () => {
    const file = join(dir, 'break-glass.log');
    const enable = () => cli('audit', 'enable', '-path=bg', 'file', `file_path=${file}`);
    assert.equal((await enable()).code, 0);
    for (let i = 0; i < 2; i++) assert.equal((await cli('kv', 'put', 'secret/bg', `n=${i}`)).code, 0);
    const oldKey = JSON.parse((await cli('read', '-format=json', 'sys/audit-chain/bg')).out).data
      .key as string;
    assert.equal((await cli('audit', 'disable', 'bg')).code, 0);
    assert.equal((await enable()).code, 0);
    assert.equal((await cli('kv', 'put', 'secret/bg', 'n=9')).code, 0);

    let run = await cli('audit', 'verify', file, '-device=bg');
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^OK: \d+ entries \(2 segments: seq 1\.\.\d+, seq 1\.\.\d+\)\n$/);
    const chain = JSON.parse((await cli('read', '-format=json', 'sys/audit-chain/bg')).out).data as {
      key: string;
      previous_segments: { key: string; seq: number }[];
    };
    assert.deepEqual(
      chain.previous_segments.map((p) => p.key),
      [oldKey],
    );
    run = await cli('audit', 'verify', file, `-key=${oldKey}`, `-key=${chain.key}`);
    assert.equal(run.code, 0, run.err);

    // Cutting the end of the first segment is named where segment 2 starts.
    const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
    const boundary = lines.findIndex((l, i) => i > 0 && l.includes('"chain":{"seq":1,'));
    assert.ok(boundary > 1);
    const tampered = join(dir, 'bg-tampered.log');
    writeFileSync(
      tampered,
      [...lines.slice(0, boundary - 1), ...lines.slice(boundary)].map((l) => `${l}\n`).join(''),
    );
    run = await cli('audit', 'verify', tampered, '-device=bg');
    assert.equal(run.code, 1);
    assert.match(run.err, new RegExp(`bg-tampered\\.log:${boundary}: segment 2 does not commit`));
    assert.equal((await cli('audit', 'disable', 'bg')).code, 0);
  });
});
