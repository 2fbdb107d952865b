/**
 * Carries out one planned fault on the real processes and links, and heals it: kill -9 then
 * restart + unseal; SIGSTOP then SIGCONT; link cuts, delays and losses through the fault proxies
 * then heal; wall clock offsets and rates through libfaketime then back to 0; a voter removed,
 * wiped and re-joined. Records fault-start/stop events.
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
  /** The clock offset the cluster must tolerate: a drift past it is recorded as an offset fault. */
  skewBoundMs = 500,
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
    case 'drift': {
      const id = targets[0];
      const proc = cluster.member(id).process;
      const rate = fault.rate ?? 1;
      start(`clock drift x${rate.toFixed(2)} on ${id}`, [id]);
      const offsetNow = await proc.setClockDrift(rate);
      // The checkers know offsets, not rates: once the drift passes the bound, it is recorded as
      // an out-of-bound offset fault from then on (the fence must then catch it).
      const crossMs = skewBoundMs / Math.abs(rate - 1);
      if (crossMs < fault.holdMs) {
        await sleep(crossMs);
        const offset = Math.round(offsetNow());
        start(`clock drift of ${id} passed ${offset} ms`, [id], { offsetsMs: { [id]: offset } });
        await sleep(fault.holdMs - crossMs);
      } else {
        await sleep(fault.holdMs);
      }
      await proc.setClockOffset(0);
      stop(`clock of ${id} reset (drifted ${Math.round(offsetNow())} ms)`);
      return;
    }
    case 'net': {
      const impairment = {
        delayMs: fault.delayMs ?? 75,
        jitterMs: fault.jitterMs ?? 50,
        lossFraction: fault.lossFraction ?? 0,
      };
      // On the leader: every link to and from it; otherwise every link of the cluster.
      const scope = fault.onLeader === true ? [lead] : ids;
      for (const a of scope)
        for (const b of ids) {
          if (a === b) continue;
          cluster.links.impair(a, b, impairment);
          cluster.links.impair(b, a, impairment);
        }
      const what =
        fault.variant === 'loss'
          ? `${Math.round(impairment.lossFraction * 100)} % chunk loss (TCP retransmission delays) + ${impairment.delayMs} ± ${impairment.jitterMs} ms`
          : `delay ${impairment.delayMs} ± ${impairment.jitterMs} ms`;
      start(`${what} on ${fault.onLeader === true ? `every link of ${lead}` : 'every link'}`, scope);
      await sleep(fault.holdMs);
      cluster.links.healAll();
      stop('links unimpaired');
      return;
    }
    case 'member': {
      // The active node now (the monitor's view may be a poll old): never the one removed.
      const active = (await cluster.activeNode()) ?? lead;
      const id = picked[0] === active ? ids.find((x) => x !== active)! : picked[0];
      start(`remove voter ${id}, wipe it, rejoin it`, [id]);
      await cluster.removeAndRejoin(id);
      stop(`${id} rejoined and is a voter again`);
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
