/**
 * `arca audit verify` logic on a real audit file written by a real file device: OK, and each
 * tamper kind (delete, insert, reorder, edit, truncate, tail cut) named with its file and line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry } from '../../../src/core/audit-broker.js';
import { AuditBroker } from '../../../src/core/audit/broker.js';
import { AuditManager } from '../../../src/core/audit/manager.js';
import { parseChainKey, verifyAuditFiles, type AuditVerifyResult } from '../../../src/cli/audit-verify.js';
import { MemoryStorageView } from '../../helpers/memory-storage-view.js';

function entry(i: number): AuditEntry {
  return {
    type: 'request',
    timeMs: Date.UTC(2026, 10, 29, 12, 0, i),
    request: {
      id: `req-${i}`,
      operation: 'update',
      path: `secret/item-${i}`,
      data: { value: `secret-${i}` },
      mountPoint: 'secret/',
      mountType: 'kv',
      mountAccessor: 'kv_1',
      clientToken: 'hvs.token',
      remoteAddress: '127.0.0.1',
      headers: {},
    },
  };
}

/** Writes `count` entries through a file device; returns the file's lines and the chain key. */
async function auditFile(
  dir: string,
  count: number,
  prefix = '',
): Promise<{ path: string; text: string; key: Uint8Array; seq: number }> {
  const broker = new AuditBroker({ writeTimeoutMs: 2000 });
  const manager = new AuditManager(new MemoryStorageView(), broker);
  const path = join(dir, 'audit.log');
  await manager.enable('file', { type: 'file', options: { file_path: path, ...(prefix ? { prefix } : {}) } });
  for (let i = 1; i <= count; i++) await broker.logRequest(entry(i));
  const { key, seq } = manager.chainKey('file');
  await broker.closeAll();
  return { path, text: await readFile(path, 'utf8'), key: parseChainKey(key)!, seq };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-verify-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function failedAt(result: AuditVerifyResult, line: number, reason: RegExp): void {
  assert.equal(result.ok, false, JSON.stringify(result));
  if (result.ok) return;
  assert.equal(result.file, 'audit.log');
  assert.equal(result.line, line, result.message);
  assert.match(result.reason, reason);
  assert.match(result.message, new RegExp(`^audit\\.log:${line}: `));
}

test('an untouched file verifies; every tamper kind is detected at its line', async () => {
  await withDir(async (dir) => {
    const { text, key, seq } = await auditFile(dir, 6);
    const lines = text.split('\n').slice(0, -1);
    const check = (ls: string[], extra: Partial<Parameters<typeof verifyAuditFiles>[0]> = {}) =>
      verifyAuditFiles({
        files: [{ name: 'audit.log', text: ls.map((l) => `${l}\n`).join('') }],
        keys: [key],
        ...extra,
      });

    const ok = check(lines, { device: { key, seq } });
    assert.deepEqual(ok, {
      ok: true,
      entries: 6,
      firstSeq: 1,
      lastSeq: 6,
      segments: 1,
      message: 'OK: 6 entries (seq 1..6)',
    });

    failedAt(check([...lines.slice(0, 2), ...lines.slice(3)]), 3, /missing.*removed/);
    failedAt(check(lines.slice(1)), 1, /starts at seq 2/);
    const forged = lines[2].replace('"seq":3', '"seq":4');
    failedAt(check([...lines.slice(0, 3), forged, ...lines.slice(3)]), 4, /fails its mac/);
    failedAt(check([...lines.slice(0, 3), lines[1], ...lines.slice(3)]), 4, /reordered or duplicated/);
    failedAt(
      check([lines[0], lines[2], lines[1], ...lines.slice(3)]),
      2,
      /seq 3 appears before seq 2 \(reordered lines\)/,
    );
    const edited = lines[4].replace('req-5', 'req-9');
    failedAt(check([...lines.slice(0, 4), edited, lines[5]]), 5, /fails its mac/);
    // Truncated mid-line (crash or cut): the partial last line is named.
    const cut = text.slice(0, text.length - 40);
    failedAt(verifyAuditFiles({ files: [{ name: 'audit.log', text: cut }], keys: [key] }), 6, /truncated/);
    // Whole lines cut from the end: only the device's seq shows it.
    assert.equal(check(lines.slice(0, 4)).ok, true);
    failedAt(check(lines.slice(0, 4), { device: { key, seq } }), 4, /entries 5\.\.6 are missing at the end/);
    // A wrong key fails at the first line.
    failedAt(
      verifyAuditFiles({ files: [{ name: 'audit.log', text }], keys: [Buffer.alloc(32, 1)] }),
      1,
      /fails its mac/,
    );
  });
});

test('rotation: the chain spans files given oldest first; a prefix is stripped', async () => {
  await withDir(async (dir) => {
    const broker = new AuditBroker({ writeTimeoutMs: 2000 });
    const manager = new AuditManager(new MemoryStorageView(), broker);
    const path = join(dir, 'audit.log');
    await manager.enable('file', { type: 'file', options: { file_path: path, prefix: 'ARCA ' } });
    await broker.logRequest(entry(1));
    await broker.logRequest(entry(2));
    await rename(path, `${path}.1`);
    await broker.reopenAll();
    await broker.logRequest(entry(3));
    const key = parseChainKey(manager.chainKey('file').key)!;
    await broker.closeAll();
    const older = { name: 'audit.log.1', text: await readFile(`${path}.1`, 'utf8') };
    const newer = { name: 'audit.log', text: await readFile(path, 'utf8') };
    const both = verifyAuditFiles({ files: [older, newer], keys: [key], prefix: 'ARCA ' });
    assert.equal(both.ok && both.message, 'OK: 3 entries (seq 1..3)');
    const alone = verifyAuditFiles({ files: [newer], keys: [key], prefix: 'ARCA ' });
    assert.equal(alone.ok, false);
    const continued = verifyAuditFiles({
      files: [newer],
      keys: [key],
      prefix: 'ARCA ',
      allowContinuation: true,
    });
    assert.equal(continued.ok && continued.message, 'OK: 1 entries (seq 3..3, continues an earlier file)');
    const swapped = verifyAuditFiles({
      files: [newer, older],
      keys: [key],
      prefix: 'ARCA ',
      allowContinuation: true,
    });
    assert.equal(!swapped.ok && `${swapped.file}:${swapped.line}`, 'audit.log.1:1');
    const noPrefix = verifyAuditFiles({ files: [older], keys: [key] });
    assert.equal(noPrefix.ok, false);
  });
});

test('parseChainKey accepts 64 hex digits only', () => {
  assert.equal(parseChainKey('ab'.repeat(32))?.length, 32);
  assert.equal(parseChainKey('ab'.repeat(31)), undefined);
  assert.equal(parseChainKey('zz'.repeat(32)), undefined);
});
