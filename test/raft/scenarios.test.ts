/**
 * Data-driven Raft scenarios: every test/raft/scenarios/*.txt script is run and its transcript
 * compared with the .golden file next to it (read from the source tree). UPDATE_GOLDEN=1
 * rewrites the golden files; review the diff before committing it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario } from './scenario-runner.js';

const dir = join(process.cwd(), 'test', 'raft', 'scenarios');
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort();

test('scenario scripts exist', () => {
  assert.ok(scripts.length >= 6, `found ${scripts.length} scripts in ${dir}`);
});

for (const file of scripts) {
  test(`scenario ${file}`, () => {
    const transcript = runScenario(readFileSync(join(dir, file), 'utf8'));
    const goldenPath = join(dir, file.replace(/\.txt$/, '.golden'));
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(goldenPath, transcript);
      return;
    }
    assert.ok(existsSync(goldenPath), `missing ${goldenPath}; run with UPDATE_GOLDEN=1`);
    assert.equal(transcript, readFileSync(goldenPath, 'utf8'));
  });
}
