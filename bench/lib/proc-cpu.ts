/**
 * CPU time of server processes under benchmark (Linux `/proc/<pid>/stat`: utime + stime). On a
 * shared, overloaded machine requests per second mostly measure who got the cores; CPU time per
 * request measures what a request costs, whatever the load around it.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ; 100 on every common Linux build). */
const userHz = 100;

/** CPU milliseconds (user + system) consumed so far by `pid`; 0 when unreadable (not Linux, gone). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / userHz;
  } catch {
    return 0;
  }
}

/** Total CPU milliseconds of `pids`. */
export function totalCpuMs(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
}
