/**
 * sys/host-info (Vault's helper/hostutil over gopsutil): the host's CPUs, CPU times, disk usage,
 * host facts and memory, with gopsutil's JSON field names so clients written against Vault parse
 * it. Best effort like Vault: a part that cannot be read on this platform is left out rather than
 * failing the request. Root-protected (sudo), see sys-path-rules.ts.
 */
import { readdir, readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import type { Clock } from '../../lib/clock.js';
import type { PathSpec } from '../../logical/backend.js';

/** Linux filesystem magic numbers → gopsutil's fstype names (the common ones). */
const fsTypeNames: Record<number, string> = {
  0xef53: 'ext2/ext3',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x6969: 'nfs',
  0x2fc12fc1: 'zfs',
};

function cpuInfo(): Record<string, unknown>[] {
  return os.cpus().map((cpu, index) => ({
    cpu: index,
    vendorId: '',
    family: '',
    model: '',
    stepping: 0,
    physicalId: '',
    coreId: String(index),
    cores: 1,
    modelName: cpu.model,
    mhz: cpu.speed,
    cacheSize: 0,
    flags: [],
    microcode: '',
  }));
}

/** gopsutil's cpu.Times(false): one aggregate entry, seconds. */
function cpuTimes(): Record<string, unknown>[] {
  const sum = { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 };
  for (const cpu of os.cpus()) {
    sum.user += cpu.times.user;
    sum.nice += cpu.times.nice;
    sum.sys += cpu.times.sys;
    sum.idle += cpu.times.idle;
    sum.irq += cpu.times.irq;
  }
  const seconds = (ms: number): number => ms / 1000;
  return [
    {
      cpu: 'cpu-total',
      user: seconds(sum.user),
      system: seconds(sum.sys),
      idle: seconds(sum.idle),
      nice: seconds(sum.nice),
      iowait: 0,
      irq: seconds(sum.irq),
      softirq: 0,
      steal: 0,
      guest: 0,
      guestNice: 0,
    },
  ];
}

async function diskUsage(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const stat = await statfs(path);
    const total = stat.blocks * stat.bsize;
    const free = stat.bavail * stat.bsize;
    const used = (stat.blocks - stat.bfree) * stat.bsize;
    const inodesUsed = stat.files - stat.ffree;
    return {
      path,
      fstype: fsTypeNames[stat.type] ?? '',
      total,
      free,
      used,
      usedPercent: used + free === 0 ? 0 : (used / (used + free)) * 100,
      inodesTotal: stat.files,
      inodesUsed,
      inodesFree: stat.ffree,
      inodesUsedPercent: stat.files === 0 ? 0 : (inodesUsed / stat.files) * 100,
    };
  } catch {
    return undefined;
  }
}

async function processCount(): Promise<number> {
  try {
    return (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).length;
  } catch {
    return 0;
  }
}

async function hostFacts(nowMs: number): Promise<Record<string, unknown>> {
  const uptime = Math.floor(os.uptime());
  return {
    hostname: os.hostname(),
    uptime,
    bootTime: Math.floor(nowMs / 1000) - uptime,
    procs: await processCount(),
    os: process.platform,
    platform: '',
    platformFamily: '',
    platformVersion: '',
    kernelVersion: os.release(),
    kernelArch: os.machine(),
    virtualizationSystem: '',
    virtualizationRole: '',
    hostid: '',
  };
}

/** /proc/meminfo in bytes (Linux), or undefined elsewhere. */
async function memInfo(): Promise<Map<string, number> | undefined> {
  try {
    const text = await readFile('/proc/meminfo', 'utf8');
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?$/.exec(line.trim());
      if (m) out.set(m[1], Number(m[2]) * (line.includes('kB') ? 1024 : 1));
    }
    return out;
  } catch {
    return undefined;
  }
}

async function memory(): Promise<Record<string, unknown>> {
  const info = await memInfo();
  const total = os.totalmem();
  const get = (key: string): number => info?.get(key) ?? 0;
  const available = info?.get('MemAvailable') ?? os.freemem();
  const used = total - available;
  return {
    total,
    available,
    used,
    usedPercent: total === 0 ? 0 : (used / total) * 100,
    free: info?.get('MemFree') ?? os.freemem(),
    active: get('Active'),
    inactive: get('Inactive'),
    buffers: get('Buffers'),
    cached: get('Cached'),
    shared: get('Shmem'),
    slab: get('Slab'),
    swapCached: get('SwapCached'),
    swapTotal: get('SwapTotal'),
    swapFree: get('SwapFree'),
    mapped: get('Mapped'),
    dirty: get('Dirty'),
    writeBack: get('Writeback'),
  };
}

/** Collects the host information now (`clock` stamps it, as Vault's `timestamp` in UTC). */
export async function collectHostInfo(clock: Clock): Promise<Record<string, unknown>> {
  const nowMs = clock.wallMs();
  const root = await diskUsage('/');
  return {
    cpu: cpuInfo(),
    cpu_times: cpuTimes(),
    disk: root === undefined ? [] : [root],
    host: await hostFacts(nowMs),
    memory: await memory(),
    timestamp: new Date(nowMs).toISOString(),
  };
}

/** The `host-info` path of sys/ (read only). */
export function hostInfoPaths(clock: Clock): PathSpec[] {
  return [
    { pattern: 'host-info', operations: { read: async () => ({ data: await collectHostInfo(clock) }) } },
  ];
}
