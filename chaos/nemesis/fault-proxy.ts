/**
 * A TCP fault proxy in front of one node's cluster (Noise) port. Peers dial the proxy (the node's
 * advertised `cluster_addr`); the proxy forwards to the node's real bind address. It learns which
 * node dialed (from /proc) so the harness can cut single directed links:
 * - a cut in both directions destroys the link's connections and holds new ones silent until heal;
 * - a one-way cut (from → to) stalls the bytes flowing from → to (buffered, released on heal, the
 *   connection dropped if the buffer passes `maxHeldBytes`) while the other direction flows.
 * - an impaired link (from → to) delays each chunk by `delayMs ± jitterMs`, in order. "Loss" over
 *   TCP cannot drop bytes (the Noise stream would break, which is a different fault): the kernel
 *   retransmits a lost segment after its retransmission timeout (≥ 200 ms on Linux, doubling), so
 *   a chunk "lost" with probability `lossFraction` arrives that much later, and everything behind
 *   it waits (head-of-line blocking) — what a lossy network does to one TCP connection.
 * Connections whose dialer cannot be identified are only cut when the node is cut from everyone,
 * and never impaired.
 */
import net from 'node:net';
import { identifyDialer } from './peer-of.js';

/** A directed link's delay and loss (see the module comment). */
export interface LinkImpairment {
  delayMs: number;
  jitterMs: number;
  lossFraction: number;
}

/** First retransmission timeout of a lost chunk (Linux's minimum RTO), doubled per repeated loss. */
const retransmitTimeoutMs = 200;

/** The directed links currently cut or impaired: `${from}>${to}`. */
export class LinkTable {
  private readonly cut = new Set<string>();
  private readonly impaired = new Map<string, LinkImpairment>();
  private readonly listeners = new Set<() => void>();

  /** `random` in [0, 1) draws jitter and losses (seeded by the gameday). */
  constructor(private readonly random: () => number = () => 0.5) {}

  /** Delays (and "loses", see above) chunks from → to until heal. */
  impair(from: string, to: string, impairment: LinkImpairment): void {
    this.impaired.set(`${from}>${to}`, impairment);
  }

  /**
   * How long to hold a chunk from → to now (0 when the link is not impaired), and whether it
   * counts as lost (it waited for a retransmission).
   */
  chunkDelay(from: string, to: string): { delayMs: number; lost: boolean } {
    const imp = this.impaired.get(`${from}>${to}`);
    if (imp === undefined) return { delayMs: 0, lost: false };
    let delayMs = Math.max(0, imp.delayMs + (this.random() * 2 - 1) * imp.jitterMs);
    let lost = false;
    for (let rto = retransmitTimeoutMs, n = 0; n < 4 && this.random() < imp.lossFraction; n++, rto *= 2) {
      delayMs += rto;
      lost = true;
    }
    return { delayMs, lost };
  }

  /** Cuts from → to (one way). */
  cutOneWay(from: string, to: string): void {
    this.cut.add(`${from}>${to}`);
    this.changed();
  }

  /** True when bytes from → to are blocked. */
  isCut(from: string, to: string): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  /** Restores every link. */
  healAll(): void {
    this.cut.clear();
    this.impaired.clear();
    this.changed();
  }

  /** Called after every change. */
  onChange(fn: () => void): void {
    this.listeners.add(fn);
  }

  describe(): string[] {
    return [...this.cut, ...[...this.impaired.keys()].map((k) => `${k} (impaired)`)].sort();
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }
}

const maxHeldBytes = 32 * 1024 * 1024;

interface Pipe {
  dialer: string | undefined;
  client: net.Socket;
  upstream: net.Socket;
  /** Bytes held per direction while stalled. */
  heldUp: Buffer[];
  heldDown: Buffer[];
  heldBytes: number;
  /** Per direction: chunks waiting on a delay timer, and when the last of them is released. */
  delayed: { up: number; down: number };
  releaseAtMs: { up: number; down: number };
}

/** The proxy for node `target`. */
export class FaultProxy {
  private readonly server: net.Server;
  private readonly pipes = new Set<Pipe>();
  connections = 0;
  /** Connections still held by a process that is not a node after every retry (should be 0). */
  unidentified = 0;
  /** Connections their dialer closed (or died) before it could be identified: dropped. */
  abandoned = 0;
  /** Chunks an impaired link delayed, and those of them that waited for a "retransmission". */
  delayedChunks = 0;
  lostChunks = 0;

  constructor(
    readonly target: string,
    private readonly upstreamPort: number,
    private readonly links: LinkTable,
    private readonly pids: () => ReadonlyMap<string, number>,
    private readonly allNodes: readonly string[],
  ) {
    this.server = net.createServer((socket) => void this.accept(socket));
    links.onChange(() => this.apply());
  }

  /** Listens on 127.0.0.1:`port` (0 = any); resolves with the bound port. */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve((this.server.address() as net.AddressInfo).port));
    });
  }

  close(): Promise<void> {
    for (const p of this.pipes) this.drop(p);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async accept(client: net.Socket): Promise<void> {
    this.connections++;
    client.pause();
    client.on('error', () => undefined);
    const found = await identifyDialer(client.remotePort ?? 0, client.localPort ?? 0, this.pids);
    // A connection whose dialer closed it (or died) while it was being looked up carries nothing
    // through the proxy: dropped, not counted as unidentified (under load, a handshake times out
    // that fast, and a killed node's last dials arrive after it is gone).
    if (client.destroyed || found === 'closed') {
      this.abandoned++;
      client.destroy();
      return;
    }
    const dialer = found?.node;
    if (dialer === undefined) this.unidentified++;
    const upstream = net.connect(this.upstreamPort, '127.0.0.1');
    upstream.on('error', () => undefined);
    const pipe: Pipe = {
      dialer,
      client,
      upstream,
      heldUp: [],
      heldDown: [],
      heldBytes: 0,
      delayed: { up: 0, down: 0 },
      releaseAtMs: { up: 0, down: 0 },
    };
    this.pipes.add(pipe);
    const finish = (): void => this.drop(pipe);
    client.on('close', finish);
    upstream.on('close', finish);
    client.on('data', (chunk: Buffer) => this.forward(pipe, chunk, 'up'));
    upstream.on('data', (chunk: Buffer) => this.forward(pipe, chunk, 'down'));
    client.resume();
  }

  /** up = dialer → target; down = target → dialer. Impaired links delay, in order. */
  private forward(pipe: Pipe, chunk: Buffer, dir: 'up' | 'down'): void {
    const { delayMs, lost } =
      pipe.dialer === undefined
        ? { delayMs: 0, lost: false }
        : dir === 'up'
          ? this.links.chunkDelay(pipe.dialer, this.target)
          : this.links.chunkDelay(this.target, pipe.dialer);
    if (delayMs === 0 && pipe.delayed[dir] === 0) {
      this.deliver(pipe, chunk, dir);
      return;
    }
    if (delayMs > 0) this.delayedChunks++;
    if (lost) this.lostChunks++;
    const now = performance.now();
    const at = Math.max(now + delayMs, pipe.releaseAtMs[dir]);
    pipe.releaseAtMs[dir] = at;
    pipe.delayed[dir]++;
    setTimeout(() => {
      pipe.delayed[dir]--;
      if (this.pipes.has(pipe)) this.deliver(pipe, chunk, dir);
    }, at - now);
  }

  private deliver(pipe: Pipe, chunk: Buffer, dir: 'up' | 'down'): void {
    if (this.blocked(pipe, dir)) {
      (dir === 'up' ? pipe.heldUp : pipe.heldDown).push(chunk);
      pipe.heldBytes += chunk.length;
      if (pipe.heldBytes > maxHeldBytes) this.drop(pipe);
      return;
    }
    (dir === 'up' ? pipe.upstream : pipe.client).write(chunk);
  }

  private blocked(pipe: Pipe, dir: 'up' | 'down'): boolean {
    const others = this.allNodes.filter((n) => n !== this.target);
    if (pipe.dialer === undefined) {
      return dir === 'up'
        ? others.every((n) => this.links.isCut(n, this.target))
        : others.every((n) => this.links.isCut(this.target, n));
    }
    return dir === 'up'
      ? this.links.isCut(pipe.dialer, this.target)
      : this.links.isCut(this.target, pipe.dialer);
  }

  /** Re-evaluates every connection after a link change. */
  private apply(): void {
    for (const pipe of [...this.pipes]) {
      const up = this.blocked(pipe, 'up');
      const down = this.blocked(pipe, 'down');
      if (up && down) {
        // A full cut: established connections die (as after a timeout); redials are held silent.
        if (pipe.client.bytesWritten + pipe.upstream.bytesWritten > 0) this.drop(pipe);
        continue;
      }
      if (!up) for (const c of pipe.heldUp.splice(0)) pipe.upstream.write(c);
      if (!down) for (const c of pipe.heldDown.splice(0)) pipe.client.write(c);
      if (!up && !down) pipe.heldBytes = 0;
    }
  }

  private drop(pipe: Pipe): void {
    if (!this.pipes.delete(pipe)) return;
    pipe.client.destroy();
    pipe.upstream.destroy();
  }
}
