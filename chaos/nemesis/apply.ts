/**
 * Carries out one planned fault on the real processes and links, and heals it: kill -9 then
 * restart + unseal; SIGSTOP then SIGCONT; link cuts through the fault proxies then heal; wall
 * clock offsets through libfaketime then back to 0. Records fault-start/stop events.
 */
import type { ChaosCluster } from '../cluster/cluster.js';
import type { HistoryRecorder } from '../history.js';
import type { PlannedFault } from './schedule.js';

/** Runs `fault` for its hold time. `leader()` is the monitor's current leader, if any. */
export async function runFault(
  fault: PlannedFault,
  cluster: ChaosCluster,
  recorder: HistoryRecorder,
  leader: () => string | undefined,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const ids = cluster.members.map((m) => m.id);
  const picked = fault.picks.map((i) => ids[i]);
  const lead = leader() ?? picked[0];
  const targets = fault.variant === 'leader' || fault.onLeader === true ? [lead] : picked;
  const start = (
    detail: string,
    nodes: string[],
    extra: { offsetsMs?: Record<string, number> } = {},
  ): void => {
    recorder.event({ kind: 'fault-start', nemesis: fault.kind, nodes, detail, ...extra });
  };
  const stop = (detail: string): void => {
    recorder.event({ kind: 'fault-stop', nemesis: fault.kind, detail });
  };
  switch (fault.kind) {
    case 'kill': {
      start(`kill -9 ${targets.join(', ')} (${fault.variant})`, targets);
      await Promise.all(targets.map((id) => cluster.member(id).process.kill9()));
      await sleep(fault.holdMs);
      for (const id of targets) await cluster.restart(id);
      stop(`restarted and unsealed ${targets.join(', ')}`);
      return;
    }
    case 'pause': {
      start(`SIGSTOP ${targets.join(', ')} for ${fault.holdMs} ms (${fault.variant})`, targets);
      for (const id of targets) cluster.member(id).process.pause();
      await sleep(fault.holdMs);
      for (const id of targets) cluster.member(id).process.resume();
      stop(`SIGCONT ${targets.join(', ')}`);
      return;
    }
    case 'partition': {
      const cut = (a: string, b: string): void => {
        cluster.links.cutOneWay(a, b);
        cluster.links.cutOneWay(b, a);
      };
      let detail: string;
      if (fault.variant === 'one-way') {
        for (const other of ids) if (other !== lead) cluster.links.cutOneWay(lead, other);
        detail = `one-way: ${lead} cannot send to anyone`;
      } else if (fault.variant === 'ring' && ids.length >= 5) {
        // Majorities ring: each node only reaches its ring neighbours (overlapping majorities).
        for (let i = 0; i < ids.length; i++) {
          for (let j = 0; j < ids.length; j++) {
            const d = Math.min((i - j + ids.length) % ids.length, (j - i + ids.length) % ids.length);
            if (d > 1) cluster.links.cutOneWay(ids[i], ids[j]);
          }
        }
        detail = 'majorities ring';
      } else {
        const side = fault.variant === 'leader' ? [lead] : picked;
        for (const a of side) for (const b of ids) if (!side.includes(b)) cut(a, b);
        detail = `${side.join(', ')} | ${ids.filter((x) => !side.includes(x)).join(', ')}${
          fault.variant === 'ring' ? ' (ring needs 5 nodes: halves)' : ` (${fault.variant})`
        }`;
      }
      start(
        `partition ${detail}`,
        fault.variant === 'leader' || fault.variant === 'one-way' ? [lead] : picked,
      );
      await sleep(fault.holdMs);
      cluster.links.healAll();
      stop('healed all links');
      return;
    }
    case 'clock': {
      const id = targets[0];
      const proc = cluster.member(id).process;
      const offset = fault.offsetMs ?? 0;
      if (fault.variant === 'strobe') {
        start(`clock strobe ±${offset} ms on ${id}`, [id], { offsetsMs: { [id]: offset } });
        const end = performance.now() + fault.holdMs;
        let sign = 1;
        while (performance.now() < end) {
          await proc.setClockOffset(sign * offset);
          sign = -sign;
          await sleep(200);
        }
      } else {
        start(`clock bump ${offset} ms on ${id}`, [id], { offsetsMs: { [id]: offset } });
        await proc.setClockOffset(offset);
        await sleep(fault.holdMs);
      }
      await proc.setClockOffset(0);
      stop(`clock of ${id} reset`);
      return;
    }
  }
}
