/**
 * The seeded fault schedule: from a seed and the enabled nemeses, the same list of faults (kind,
 * variant, targets by role or index, offsets, quiet and hold times) every time. Roles such as
 * "the leader" are resolved when the fault fires; everything random is decided here.
 */
import { SeededRng } from '../../src/lib/rng.js';

/** The nemesis families. */
export type NemesisKind = 'kill' | 'pause' | 'partition' | 'clock';

/** One planned fault. */
export interface PlannedFault {
  kind: NemesisKind;
  /** kill/pause: one | leader | minority; partition: leader | halves | ring | one-way; clock: bump | strobe. */
  variant: string;
  /** Node indexes picked for "one"/"halves"/"minority"/clock target when not the leader. */
  picks: number[];
  /** Clock: offset in ms (bump) or amplitude (strobe). */
  offsetMs?: number;
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
    const kind = kinds[rng.intBelow(kinds.length)];
    const variant = variants[kind][rng.intBelow(variants[kind].length)];
    const order = Array.from({ length: nodes }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.intBelow(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const minority = Math.max(1, Math.floor((nodes - 1) / 2));
    const picks =
      variant === 'minority' || variant === 'halves' ? order.slice(0, minority) : order.slice(0, 1);
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
    if (t + fault.quietMs + fault.holdMs > durationMs) break;
    t += fault.quietMs + fault.holdMs;
    plan.push(fault);
  }
  return plan;
}

/** Parses `kill,pause,...` (throws on an unknown name). */
export function parseNemeses(text: string): NemesisKind[] {
  if (text.trim() === '' || text === 'none') return [];
  return text.split(',').map((s) => {
    const k = s.trim();
    if (!(k in variants))
      throw new Error(`unknown nemesis ${JSON.stringify(k)} (kill, pause, partition, clock)`);
    return k as NemesisKind;
  });
}
