/**
 * The simulated network between nodes: per-message delay (a floor plus an exponential tail, so
 * messages reorder), loss, duplication, and directional link blocks that the nemesis turns into
 * symmetric or one-way partitions, an isolated leader, a majorities ring or flapping links.
 * A message is dropped if its link is blocked when it is sent or when it would arrive.
 */
import type { Message, NodeId } from '../../src/raft/types.js';
import type { Rng } from '../../src/lib/rng.js';
import { chance, exponential, intBetween, shuffled } from './random.js';

/** Per-seed network fault parameters. */
export interface NetworkOptions {
  delayMinMs: number;
  delayMeanMs: number;
  lossProbability: number;
  duplicateProbability: number;
}

/** A message and the virtual time it arrives. */
export interface Delivery {
  atMs: number;
  message: Message;
}

/** Counters the simulator reports. */
export interface NetworkStats {
  sent: number;
  dropped: number;
  duplicated: number;
}

/** Which partition shape the nemesis applies. */
export type PartitionKind = 'split' | 'oneWay' | 'isolate' | 'majoritiesRing' | 'bridge';

/** Links, faults and in-flight accounting for the whole cluster. */
export class SimNetwork {
  private readonly blocked = new Set<string>();
  /** Links currently flapping: toggled on and off by `flap`. */
  private readonly flapping = new Set<string>();
  readonly stats: NetworkStats = { sent: 0, dropped: 0, duplicated: 0 };
  faultsEnabled = true;

  constructor(
    private readonly rng: Rng,
    readonly options: NetworkOptions,
  ) {}

  /** Plans the deliveries of one outgoing message (zero, one, or two with a duplicate). */
  send(message: Message, nowMs: number): Delivery[] {
    this.stats.sent++;
    if (message.to === message.from) return [{ atMs: nowMs, message }];
    if (!this.canPass(message.from, message.to)) {
      this.stats.dropped++;
      return [];
    }
    if (this.faultsEnabled && chance(this.rng, this.options.lossProbability)) {
      this.stats.dropped++;
      return [];
    }
    const out: Delivery[] = [{ atMs: nowMs + this.delayMs(), message }];
    if (this.faultsEnabled && chance(this.rng, this.options.duplicateProbability)) {
      this.stats.duplicated++;
      out.push({ atMs: nowMs + this.delayMs(), message: { ...message, entries: message.entries.slice() } });
    }
    return out;
  }

  /** True if a message may cross from → to right now. */
  canPass(from: NodeId, to: NodeId): boolean {
    return !this.blocked.has(linkKey(from, to));
  }

  /** Removes every partition and flapping link (the liveness phase). */
  healAll(): void {
    this.blocked.clear();
    this.flapping.clear();
  }

  /** Applies a partition of `kind` over `nodes`; returns a short description for the trace. */
  partition(kind: PartitionKind, nodes: NodeId[], leader: NodeId | undefined): string {
    this.blocked.clear();
    const order = shuffled(this.rng, nodes);
    const n = order.length;
    if (n < 2) return 'none';
    switch (kind) {
      case 'split': {
        const cut = intBetween(this.rng, 1, n - 1);
        const a = order.slice(0, cut);
        const b = order.slice(cut);
        for (const x of a) for (const y of b) this.blockBoth(x, y);
        return `split ${a.join(',')} | ${b.join(',')}`;
      }
      case 'oneWay': {
        const cut = intBetween(this.rng, 1, n - 1);
        const a = order.slice(0, cut);
        const b = order.slice(cut);
        for (const x of a) for (const y of b) this.blocked.add(linkKey(x, y));
        return `oneWay ${a.join(',')} -/-> ${b.join(',')}`;
      }
      case 'isolate': {
        const victim = leader !== undefined && nodes.includes(leader) ? leader : order[0];
        for (const y of nodes) if (y !== victim) this.blockBoth(victim, y);
        return `isolate ${victim}`;
      }
      case 'majoritiesRing': {
        // Each node sees only its ring neighbours within floor(n/2): overlapping majorities with
        // no common majority (Jepsen's majorities-ring).
        const reach = Math.floor(n / 2);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            const d = Math.min((i - j + n) % n, (j - i + n) % n);
            if (i !== j && d > reach / 2 + 0.5) this.blocked.add(linkKey(order[i], order[j]));
          }
        }
        return `majoritiesRing ${order.join(',')}`;
      }
      case 'bridge': {
        // Two halves that only talk through one bridge node.
        const bridge = order[0];
        const rest = order.slice(1);
        const cut = Math.max(1, Math.floor(rest.length / 2));
        const a = rest.slice(0, cut);
        const b = rest.slice(cut);
        for (const x of a) for (const y of b) this.blockBoth(x, y);
        return `bridge via ${bridge}: ${a.join(',')} | ${b.join(',')}`;
      }
    }
  }

  /** Clears all partitions (flapping links keep flapping). */
  heal(): void {
    this.blocked.clear();
    for (const key of this.flapping) if (chance(this.rng, 0.5)) this.blocked.add(key);
  }

  /** Marks a link as flapping and toggles every flapping link at random. */
  flap(from: NodeId, to: NodeId): void {
    this.flapping.add(linkKey(from, to));
    for (const key of this.flapping) {
      if (chance(this.rng, 0.5)) {
        if (this.blocked.has(key)) this.blocked.delete(key);
        else this.blocked.add(key);
      }
    }
  }

  private blockBoth(a: NodeId, b: NodeId): void {
    this.blocked.add(linkKey(a, b));
    this.blocked.add(linkKey(b, a));
  }

  private delayMs(): number {
    return this.options.delayMinMs + exponential(this.rng, this.options.delayMeanMs);
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}
