/**
 * Runs Debian's wrk (one thread) with bench/single/kv.lua or prefill.lua and returns its parsed
 * figures. Each run is bounded: wrk is killed (by PID) if it outlives its duration by 30 s.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnTracked, stopProcess } from './processes.js';
import { parseWrkOutput, type WrkResult } from './wrk-output.js';
import type { Target } from './servers.js';

/** bench/single in the source tree (the Lua scripts are not compiled; dist/bench/single → ../../..). */
export const luaDir = fileURLToPath(new URL('../../../bench/single/', import.meta.url));

/** wrk's version line, or undefined when it is not installed. */
export function wrkVersion(): string | undefined {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (r.error !== undefined) return undefined;
  return `${r.stdout}${r.stderr}`.split('\n')[0]?.trim();
}

/** One load cell. */
export interface WrkCell {
  op: 'put' | 'get';
  conns: number;
  durationSeconds: number;
  keys: number;
}

function run(
  args: string[],
  boundMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnTracked('wrk', args, { cwd: luaDir });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => void stopProcess(child, 2_000), boundMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs one wrk cell against `target` (uniformly random keys) and parses its output. */
export async function runWrk(target: Target, cell: WrkCell): Promise<WrkResult> {
  const args = [
    '-t1',
    `-c${cell.conns}`,
    `-d${cell.durationSeconds}s`,
    '--latency',
    '--timeout',
    '10s',
    '-s',
    'kv.lua',
    target.url,
    '--',
    target.api,
    cell.op,
    String(cell.keys),
    'random',
    target.token,
  ];
  const r = await run(args, cell.durationSeconds * 1000 + 30_000);
  if (r.code !== 0) throw new Error(`wrk ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return parseWrkOutput(r.stdout);
}

/** Writes keys k0 .. k<keys-1> once each (16 connections), bounded by `boundSeconds`. */
export async function prefill(target: Target, keys: number, boundSeconds: number): Promise<void> {
  const args = [
    '-t1',
    '-c16',
    `-d${boundSeconds}s`,
    '--timeout',
    '10s',
    '-s',
    'prefill.lua',
    target.url,
    '--',
    target.api,
    'put',
    String(keys),
    'seq',
    target.token,
    String(keys),
  ];
  const r = await run(args, boundSeconds * 1000 + 30_000);
  const m = /prefill (\d+) (\d+)/.exec(r.stdout);
  if (r.code !== 0 || !m || m[2] !== '0')
    throw new Error(`prefill of ${target.name} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
}
