/**
 * A server's CPU time and memory from Linux procfs: utime + stime of the whole process (every
 * thread, so LevelDB's and libuv's pool threads and Go's runtime count too) from /proc/<pid>/stat,
 * and VmRSS / VmHWM (peak RSS) from /proc/<pid>/status. The parsers are pure and unit-tested.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU ticks of a process (both in units of `clockTicksPerSecond()`). */
export interface CpuTicks {
  utime: number;
  stime: number;
}

/**
 * Fields 14 and 15 of /proc/<pid>/stat. The second field (comm) is in parentheses and may itself
 * contain spaces and parentheses, so fields are counted from the LAST ')'.
 */
export function parseProcStat(text: string): CpuTicks {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  // After "pid (comm) " come field 3 (state) onwards; utime is field 14 → index 11 here.
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime))
    throw new Error(`cannot read utime/stime from: ${text.slice(0, 120)}`);
  return { utime, stime };
}

/** Memory of a process in KiB: current resident set and its high-water mark. */
export interface Memory {
  rssKiB: number;
  hwmKiB: number;
}

/** VmRSS and VmHWM of /proc/<pid>/status. */
export function parseProcStatus(text: string): Memory {
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
    if (!m) throw new Error(`/proc/<pid>/status has no ${name}`);
    return Number(m[1]);
  };
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

let ticksPerSecond: number | undefined;

/** The kernel's USER_HZ (`getconf CLK_TCK`, 100 on Linux). */
export function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return ticksPerSecond;
}

/** utime + stime of `pid` so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const t = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return (t.utime + t.stime) / clockTicksPerSecond();
}

/** Current and peak RSS of `pid`. */
export function memoryOf(pid: number): Memory {
  return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
}
