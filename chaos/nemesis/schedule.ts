/**
 * The seeded fault schedule: from a seed and the enabled nemeses, the same list of faults (kind,
 * variant, targets by role or index, offsets, quiet and hold times) every time. Roles such as
 * "the leader" are resolved when the fault fires; everything random is decided here.
 */
import { SeededRng } from '../../src/lib/rng.js';

/** The nemesis families. */
export type NemesisKind = 'kill' | 'pause' | 'partition' | 'clock' | 'drift' | 'net' | 'member';

/** One planned fault. */
export interface PlannedFault {
  kind: NemesisKind;
  /**
   * kill/pause: one | leader | minority; partition: leader | halves | ring | one-way; clock: bump |
   * strobe; drift: rate (the wall clock runs fast or slow); net: delay | loss; member: churn
   * (remove a voter, wipe it, rejoin it).
   */
  variant: string;
  /** Node indexes picked for "one"/"halves"/"minority"/clock target when not the leader. */
  picks: number[];
  /** Clock: offset in ms (bump) or amplitude (strobe). */
  offsetMs?: number;
  /** Clock drift: the wall clock's rate (e.g. 1.25 = 250,000 ppm fast). */
  rate?: number;
  /** Net: one-way delay per chunk (ms) and its jitter; loss: fraction of chunks lost. */
  delayMs?: number;
  jitterMs?: number;
  lossFraction?: number;
  /** Clock target is the leader. */
  onLeader?: boolean;
  /** Quiet time before the fault, and how long it is held. */
  quietMs: number;
  holdMs: number;
}

const variants: Record<NemesisKind, string[]> = {
  kill: ['one', 'leader', 'minority'],
  pause: ['one', 'leader'],
  partition: ['leader', 'halves', 'ring', 'one-way'],
  clock: ['bump', 'bump', 'strobe'],
  // Kinds added later draw their extra values only for themselves: a seed's plan over the
  // original four kinds stays the same.
  drift: ['rate'],
  net: ['delay', 'loss'],
  member: ['churn'],
};
/** Offsets for bumps: small (under a typical bound), seconds, and Vault #11150's 2 hours. */
const bumpsMs = [150, -150, 2_000, -2_000, 30_000, 7_200_000];

/** Plans faults until `durationMs` of schedule is filled. */
export function planFaults(
  seed: number,
  kinds: readonly NemesisKind[],
  nodes: number,
  durationMs: number,
): PlannedFault[] {
  const rng = new SeededRng(seed);
  const plan: PlannedFault[] = [];
  let t = 0;
  while (kinds.length > 0) {
    const fault = drawFault(rng, kinds[rng.intBelow(kinds.length)], nodes);
    if (t + fault.quietMs + fault.holdMs > durationMs) break;
    t += fault.quietMs + fault.holdMs;
    plan.push(fault);
  }
  return plan;
}

/**
 * One fault of every kind in `kinds`, in a seeded order, each drawn as `planFaults` draws it (the
 * CI gameday: every nemesis runs once, whatever the machine's speed).
 */
export function planEachOnce(seed: number, kinds: readonly NemesisKind[], nodes: number): PlannedFault[] {
  const rng = new SeededRng(seed);
  const order = [...new Set(kinds)];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.intBelow(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.map((kind) => drawFault(rng, kind, nodes));
}

/** Draws one fault of `kind` (the draws and their order define what a seed means: keep them). */
function drawFault(rng: SeededRng, kind: NemesisKind, nodes: number): PlannedFault {
  const variant = variants[kind][rng.intBelow(variants[kind].length)];
  const order = Array.from({ length: nodes }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.intBelow(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const minority = Math.max(1, Math.floor((nodes - 1) / 2));
  const picks = variant === 'minority' || variant === 'halves' ? order.slice(0, minority) : order.slice(0, 1);
  const fault: PlannedFault = {
    kind,
    variant,
    picks,
    quietMs: 1_500 + rng.intBelow(2_500),
    holdMs: 3_000 + rng.intBelow(5_000),
  };
  if (kind === 'clock') {
    fault.onLeader = rng.intBelow(2) === 0;
    fault.offsetMs =
      variant === 'strobe' ? 1_000 + rng.intBelow(4_000) : bumpsMs[rng.intBelow(bumpsMs.length)];
  }
  if (kind === 'drift') {
    // Exaggerated (±100,000-500,000 ppm) so the offset passes the bound within one hold.
    fault.onLeader = rng.intBelow(2) === 0;
    fault.rate = 1 + (rng.intBelow(2) === 0 ? 1 : -1) * (0.1 + rng.intBelow(5) / 10);
  }
  if (kind === 'net') {
    fault.onLeader = rng.intBelow(2) === 0;
    // etcd's DelayPeerNetwork (75 ± 50 ms) and DropPeerNetwork (50 %); see fault-proxy.ts for
    // what a lost chunk means over TCP.
    fault.delayMs = 75;
    fault.jitterMs = 50;
    if (variant === 'loss') fault.lossFraction = 0.3 + rng.intBelow(3) / 10;
  }
  return fault;
}

/** Parses `kill,pause,...` (throws on an unknown name). */
export function parseNemeses(text: string): NemesisKind[] {
  if (text.trim() === '' || text === 'none') return [];
  return text.split(',').map((s) => {
    const k = s.trim();
    if (!(k in variants))
      throw new Error(
        `unknown nemesis ${JSON.stringify(k)} (kill, pause, partition, clock, drift, net, member)`,
      );
    return k as NemesisKind;
  });
}
