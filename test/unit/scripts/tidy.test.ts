/**
 * The tidy check (scripts/tidy.mjs, run by `npm run lint`) must be able to fail: it runs here as a
 * process over temporary fixture trees, one with a violation of every rule and one clean.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'arca-tidy-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function runTidy(root: string): { status: number | null; lines: string[] } {
  const run = spawnSync(process.execPath, ['scripts/tidy.mjs', root], { encoding: 'utf8', timeout: 60_000 });
  return {
    status: run.status,
    lines: run.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('tidy:')),
  };
}

const longFile = Array.from({ length: 401 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n';
const fine = Array.from({ length: 400 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n';

test('tidy fails with file, line and rule for every kind of violation', () => {
  const root = tree({
    'src/core/long.ts': longFile,
    'chaos/long.ts': longFile,
    'src/raft/clock.ts': [
      'export const a = () => setTimeout(() => undefined, 1);',
      'export const b = () => Date.now();',
      'export const c = () => Math.random();',
      'export const d = () => process.hrtime();',
      'export const e = () => performance.now();',
      '// setTimeout in a comment is fine; so is a property named Date:',
      'export const f = { Date: 1 }.Date;',
    ].join('\n'),
    'src/raft/node-timers.ts': 'export const t = () => setTimeout(() => undefined, 1);\n',
    'src/core/cast.ts': [
      'type T = { a: number };',
      'export const x = JSON.parse("{}") as T;',
      'export const y = (JSON.parse("{}")) as T;',
      'declare function decodeFrame(b: Uint8Array): unknown;',
      'export const z = decodeFrame(new Uint8Array()) as T;',
      'declare const packr: { unpack(b: Uint8Array): unknown };',
      'export const w = <T>packr.unpack(new Uint8Array());',
      'export const ok = JSON.parse("{}") as unknown;',
    ].join('\n'),
    'README.md': 'See ../shared/ARCHITECTURE.md\n',
    'docs/notes.md': 'intro\nfrom /work/shared/reference/vault-api.md\n',
    'src/api/x.ts': '/** Shapes as in vault-api.md §8 and ARCHITECTURE.md. */\nexport const x = 1;\n',
    '.dependency-cruiser.cjs': '// the arrows of ../shared/x\n',
  });
  try {
    const { status, lines } = runTidy(root);
    assert.equal(status, 1);
    assert.deepEqual(lines, [
      '.dependency-cruiser.cjs:1: [outside-reference] mentions `../shared`: the repository must stand alone (link inside it)',
      'chaos/long.ts:401: [file-too-long] 401 lines (max 400): split it',
      'docs/notes.md:2: [outside-reference] mentions `shared/reference`: the repository must stand alone (link inside it)',
      'README.md:1: [outside-reference] mentions `../shared`: the repository must stand alone (link inside it)',
      'src/api/x.ts:1: [outside-reference] mentions `vault-api.md`: the repository must stand alone (link inside it)',
      'src/core/cast.ts:2: [unchecked-cast] `JSON.parse(...) as T`: parse to unknown and validate the shape',
      'src/core/cast.ts:3: [unchecked-cast] `JSON.parse(...) as T`: parse to unknown and validate the shape',
      'src/core/cast.ts:5: [unchecked-cast] `decodeFrame(...) as T`: parse to unknown and validate the shape',
      'src/core/cast.ts:7: [unchecked-cast] `unpack(...) as T`: parse to unknown and validate the shape',
      'src/core/long.ts:401: [file-too-long] 401 lines (max 400): split it',
      'src/raft/clock.ts:1: [raft-impure] `setTimeout` in src/raft: inject time through the Timers/clock ports',
      'src/raft/clock.ts:2: [raft-impure] `Date` in src/raft: inject time through the Timers/clock ports',
      'src/raft/clock.ts:3: [raft-impure] `Math.random` in src/raft: inject randomness',
      'src/raft/clock.ts:4: [raft-impure] `process` in src/raft: inject time through the Timers/clock ports',
      'src/raft/clock.ts:5: [raft-impure] `performance` in src/raft: inject time through the Timers/clock ports',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('tidy passes a clean tree (400 lines is allowed; node-timers.ts may use timers)', () => {
  const root = tree({
    'src/core/ok.ts': fine,
    'src/raft/node-timers.ts': 'export const t = () => setTimeout(() => undefined, 1);\n',
    'src/core/parse.ts': 'export const v: unknown = JSON.parse("{}");\n',
    'README.md': 'See docs/architecture.md (the shared state of the cluster)\n',
  });
  try {
    assert.deepEqual(runTidy(root), { status: 0, lines: [] });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
