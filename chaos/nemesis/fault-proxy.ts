/**
 * A TCP fault proxy in front of one node's cluster (Noise) port. Peers dial the proxy (the node's
 * advertised `cluster_addr`); the proxy forwards to the node's real bind address. It learns which
 * node dialed (from /proc) so the harness can cut single directed links:
 * - a cut in both directions destroys the link's connections and holds new ones silent until heal;
 * - a one-way cut (from → to) stalls the bytes flowing from → to (buffered, released on heal, the
 *   connection dropped if the buffer passes `maxHeldBytes`) while the other direction flows.
 * Connections whose dialer cannot be identified are only cut when the node is cut from everyone.
 */
import net from 'node:net';
import { nodeOwningSocket } from './peer-of.js';

/** The directed links currently cut: `${from}>${to}`. */
export class LinkTable {
  private readonly cut = new Set<string>();
  private readonly listeners = new Set<() => void>();

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
    this.changed();
  }

  /** Called after every change. */
  onChange(fn: () => void): void {
    this.listeners.add(fn);
  }

  describe(): string[] {
    return [...this.cut].sort();
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
}

/** The proxy for node `target`. */
export class FaultProxy {
  private readonly server: net.Server;
  private readonly pipes = new Set<Pipe>();
  connections = 0;
  unidentified = 0;

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
    const dialer = await nodeOwningSocket(client.remotePort ?? 0, client.localPort ?? 0, this.pids()).catch(
      () => undefined,
    );
    if (dialer === undefined) this.unidentified++;
    if (client.destroyed) return;
    const upstream = net.connect(this.upstreamPort, '127.0.0.1');
    upstream.on('error', () => undefined);
    const pipe: Pipe = { dialer, client, upstream, heldUp: [], heldDown: [], heldBytes: 0 };
    this.pipes.add(pipe);
    const finish = (): void => this.drop(pipe);
    client.on('close', finish);
    upstream.on('close', finish);
    client.on('data', (chunk: Buffer) => this.forward(pipe, chunk, 'up'));
    upstream.on('data', (chunk: Buffer) => this.forward(pipe, chunk, 'down'));
    client.resume();
  }

  /** up = dialer → target; down = target → dialer. */
  private forward(pipe: Pipe, chunk: Buffer, dir: 'up' | 'down'): void {
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
