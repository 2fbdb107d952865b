/**
 * Audit files written by several devices in turn (disable + re-enable on the same path, as
 * break-glass recovery does): each device's chain is a segment whose first entry commits to the
 * previous segment's last mac. An untouched file verifies segment by segment; each attack on the
 * segment structure is named at its line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry } from '../../../src/core/audit-broker.js';
import { AuditBroker } from '../../../src/core/audit/broker.js';
import { AuditManager } from '../../../src/core/audit/manager.js';
import { parseChainKey, verifyAuditFiles, type AuditVerifyResult } from '../../../src/cli/audit-verify.js';
import { genesisMac, parseChainedLine } from '../../../src/lib/hash-chain.js';
import { MemoryStorageView } from '../../helpers/memory-storage-view.js';

function entry(i: number): AuditEntry {
  return {
    type: 'request',
    timeMs: Date.UTC(2026, 11, 6, 7, 0, i),
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

interface Written {
  lines: string[];
  /** Key and final seq of the earlier segments, oldest first, as `sys/audit-chain` reports them. */
  retired: { key: Uint8Array; seq: number }[];
  current: { key: Uint8Array; seq: number };
}

/**
 * One file written by `sizes.length` devices in turn on the same path `file/`: each is enabled,
 * logs its entries, and (but the last) is disabled again.
 */
async function segmentedFile(dir: string, name: string, sizes: number[]): Promise<Written> {
  const broker = new AuditBroker({ writeTimeoutMs: 2000 });
  const manager = new AuditManager(new MemoryStorageView(), broker);
  const path = join(dir, name);
  let n = 0;
  for (let s = 0; s < sizes.length; s++) {
    await manager.enable('file', { type: 'file', options: { file_path: path } });
    for (let i = 0; i < sizes[s]; i++) await broker.logRequest(entry((n += 1)));
    if (s < sizes.length - 1) await manager.disable('file');
  }
  const chain = manager.chainKey('file');
  await broker.closeAll();
  return {
    lines: (await readFile(path, 'utf8')).split('\n').slice(0, -1),
    retired: chain.previous_segments.map((p) => ({ key: parseChainKey(p.key)!, seq: p.seq })),
    current: { key: parseChainKey(chain.key)!, seq: chain.seq },
  };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-segments-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function verify(lines: string[], w: Written, device = true): AuditVerifyResult {
  return verifyAuditFiles({
    files: [{ name: 'audit.log', text: lines.map((l) => `${l}\n`).join('') }],
    keys: [],
    retired: w.retired,
    device: device ? w.current : undefined,
  });
}

function failedAt(result: AuditVerifyResult, line: number, reason: RegExp): void {
  assert.equal(result.ok, false, JSON.stringify(result));
  if (result.ok) return;
  assert.equal(result.line, line, result.message);
  assert.match(result.reason, reason);
  assert.match(result.message, new RegExp(`^audit\\.log:${line}: `));
}

test('disable + re-enable on the same file: the new device starts segment 2, committing to the last mac; verify OK', async () => {
  await withDir(async (dir) => {
    const w = await segmentedFile(dir, 'audit.log', [3, 2]);
    assert.deepEqual(
      w.retired.map((r) => r.seq),
      [3],
      'the disabled device key is kept for its segment, with its final seq',
    );
    const links = w.lines.map((l) => parseChainedLine(l)!.link);
    assert.deepEqual(
      links.map((l) => l.seq),
      [1, 2, 3, 1, 2],
    );
    assert.equal(links[0].prev, genesisMac);
    assert.equal(links[3].prev, links[2].mac, 'segment 2 commits to the end of segment 1');
    const ok = verify(w.lines, w);
    assert.deepEqual(ok, {
      ok: true,
      entries: 5,
      firstSeq: 1,
      lastSeq: 2,
      segments: 2,
      message: 'OK: 5 entries (2 segments: seq 1..3, seq 1..2)',
    });
    // Without the first device's key, its segment cannot be verified: named, not passed.
    failedAt(
      verifyAuditFiles({
        files: [{ name: 'audit.log', text: w.lines.map((l) => `${l}\n`).join('') }],
        keys: [],
        device: w.current,
      }),
      1,
      /fails its mac/,
    );
  });
});

test('attacks on segments are each named at their line', async () => {
  await withDir(async (dir) => {
    const w = await segmentedFile(dir, 'audit.log', [3, 3, 3]);
    const [a, b, c] = [w.lines.slice(0, 3), w.lines.slice(3, 6), w.lines.slice(6, 9)];
    assert.equal(
      verify(w.lines, w).ok && verify(w.lines, w).message,
      'OK: 9 entries (3 segments: seq 1..3, seq 1..3, seq 1..3)',
    );

    // A whole middle segment deleted: segment 3 does not commit to segment 1's end.
    failedAt(
      verify([...a, ...c], w),
      4,
      /segment 2 does not commit to the entry before it \(seq 3 of segment 1\).*whole segment removed/,
    );
    // The end of a segment cut: the next segment's first entry shows it.
    failedAt(
      verify([...a.slice(0, 2), ...b, ...c], w),
      3,
      /segment 2 does not commit .*seq 2 of segment 1.*cut from the end/,
    );
    // Lines removed, then the rest pretends a fresh chain started: the new segment cannot hide the cut.
    failedAt(verify([a[0], ...b.slice(0), ...c], w), 2, /does not commit/);
    // The FIRST segment removed: the file now starts by committing to a chain that is not there.
    failedAt(verify([...b, ...c], w), 1, /commits to an earlier chain that is not in the files/);
    // A forged "fresh start" (seq 1 from genesis) by someone without any device's key.
    const forged = a[0].replace('"req-1"', '"req-99"');
    failedAt(
      verify([...a, forged, ...b, ...c], w),
      4,
      /new chain segment starts here \(seq 1\) but fails its mac/,
    );
    // Replaying an old segment (after the newest one, or in place of another).
    failedAt(
      verify([...a, ...b, ...c, ...a], w),
      10,
      /chain starting from genesis appears after seq 3 of segment 3.*replayed/,
    );
    failedAt(verify([...a, ...b, ...c, ...b], w), 10, /segment 4 does not commit/);
    failedAt(verify([...a, ...a, ...c], w), 4, /chain starting from genesis/);

    // Splicing a segment from another file, even with its key given.
    const other = await segmentedFile(dir, 'other.log', [2, 2]);
    const [x, y] = [other.lines.slice(0, 2), other.lines.slice(2, 4)];
    const withOtherKeys = (lines: string[]) =>
      verifyAuditFiles({
        files: [{ name: 'audit.log', text: lines.map((l) => `${l}\n`).join('') }],
        keys: [...other.retired.map((r) => r.key), other.current.key],
        retired: w.retired,
        device: w.current,
      });
    failedAt(
      withOtherKeys([...a, ...y, ...c]),
      4,
      /segment 2 does not commit .*spliced in from another file/,
    );
    failedAt(withOtherKeys([...a, ...x, ...c]), 4, /chain starting from genesis/);
    // Without its key the spliced segment is not even authentic.
    failedAt(verify([...a, ...y, ...c], w), 4, /fails its mac under every key/);

    // Truncation at the end: the newest segment cut or removed shows only against the device.
    failedAt(verify([...a, ...b, ...c.slice(0, 2)], w), 8, /entries 3\.\.3 are missing at the end/);
    failedAt(
      verify([...a, ...b], w),
      6,
      /current device has written seq 1\.\.3: its segment is missing at the end/,
    );
    // Documented limit: from the file alone (no -device) a cut at the very end is not visible.
    assert.equal(verify([...a, ...b], w, false).ok, true);
  });
});

test('segment keys survive unseal; a disabled, not re-enabled device still answers with its key and final seq', async () => {
  await withDir(async (dir) => {
    const storage = new MemoryStorageView();
    const path = join(dir, 'audit.log');
    const read = async () => ({ name: 'audit.log', text: await readFile(path, 'utf8') });
    let broker = new AuditBroker({ writeTimeoutMs: 2000 });
    let manager = new AuditManager(storage, broker);
    await manager.enable('file', { type: 'file', options: { file_path: path } });
    await broker.logRequest(entry(1));
    await broker.logRequest(entry(2));
    await manager.disable('file');
    const disabled = manager.chainKey('file');
    assert.equal(disabled.seq, 2);
    assert.deepEqual(disabled.previous_segments, []);
    const one = verifyAuditFiles({
      files: [await read()],
      keys: [],
      device: { key: parseChainKey(disabled.key)!, seq: disabled.seq },
    });
    assert.equal(one.ok && one.message, 'OK: 2 entries (seq 1..2)');

    await manager.enable('file', { type: 'file', options: { file_path: path } });
    await broker.logRequest(entry(3));
    // Seal and unseal: a new manager over the same table; the device continues its own segment.
    await manager.unload();
    broker = new AuditBroker({ writeTimeoutMs: 2000 });
    manager = new AuditManager(storage, broker);
    assert.deepEqual(await manager.load(), []);
    await broker.logRequest(entry(4));
    const chain = manager.chainKey('file');
    await broker.closeAll();
    assert.deepEqual(chain.previous_segments, [{ key: disabled.key, seq: 2 }]);
    const both = verifyAuditFiles({
      files: [await read()],
      keys: [],
      retired: chain.previous_segments.map((p) => ({ key: parseChainKey(p.key)!, seq: p.seq })),
      device: { key: parseChainKey(chain.key)!, seq: chain.seq },
    });
    assert.equal(both.ok && both.message, 'OK: 4 entries (2 segments: seq 1..2, seq 1..2)');
  });
});

test("lines cut from a segment's end before the next device started show against the retired device's final seq", async () => {
  await withDir(async (dir) => {
    const broker = new AuditBroker({ writeTimeoutMs: 2000 });
    const manager = new AuditManager(new MemoryStorageView(), broker);
    const path = join(dir, 'audit.log');
    await manager.enable('file', { type: 'file', options: { file_path: path } });
    for (let i = 1; i <= 3; i++) await broker.logRequest(entry(i));
    await manager.disable('file');
    // The attacker's window: the device is off; the last line goes before a new device starts.
    const lines = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
    await writeFile(
      path,
      lines
        .slice(0, 2)
        .map((l) => `${l}\n`)
        .join(''),
    );
    await manager.enable('file', { type: 'file', options: { file_path: path } });
    await broker.logRequest(entry(4));
    const chain = manager.chainKey('file');
    await broker.closeAll();
    const files = [{ name: 'audit.log', text: await readFile(path, 'utf8') }];
    const retired = chain.previous_segments.map((p) => ({ key: parseChainKey(p.key)!, seq: p.seq }));
    const current = { key: parseChainKey(chain.key)!, seq: chain.seq };
    failedAt(
      verifyAuditFiles({ files, keys: [], retired, device: current }),
      2,
      /segment 1 ends at seq 2 but its device had written up to seq 3 when it was disabled: entries 3\.\.3 were cut from its end/,
    );
    // With bare keys (no record of the final seqs) the file is self-consistent: a documented limit.
    const bare = verifyAuditFiles({ files, keys: [...retired.map((r) => r.key), current.key] });
    assert.equal(bare.ok && bare.message, 'OK: 3 entries (2 segments: seq 1..2, seq 1..1)');
  });
});
