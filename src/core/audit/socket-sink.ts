/**
 * The `socket` audit device's sink: JSON lines over TCP, a unix socket, or UDP datagrams. A write
 * resolves once the kernel accepted the bytes; a broken connection is re-dialled on the next write.
 * Addresses are validated when the device is enabled (malformed → 400).
 */
import { createConnection, isIP, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { ArcaError } from '../../lib/errors.js';
import type { AuditSink } from './sink.js';

export type SocketType = 'tcp' | 'udp' | 'unix';

/** A parsed `host:port` (tcp/udp) or a socket path (unix). */
export interface SocketTarget {
  type: SocketType;
  host: string;
  port: number;
  path: string;
}

/** Parses Vault's `address` + `socket_type` options; throws `invalid_request` (400) when malformed. */
export function parseSocketTarget(address: unknown, socketType: unknown): SocketTarget {
  const type = (socketType ?? 'tcp') as SocketType;
  if (type !== 'tcp' && type !== 'udp' && type !== 'unix') {
    throw new ArcaError(
      'invalid_request',
      `invalid socket_type "${String(socketType)}": want tcp, udp or unix`,
    );
  }
  if (typeof address !== 'string' || address === '') {
    throw new ArcaError('invalid_request', 'socket audit device needs an "address" option');
  }
  if (type === 'unix') return { type, host: '', port: 0, path: address };
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || !host || !(port >= 1 && port <= 65535) || (match[1] !== undefined && isIP(host) !== 6)) {
    throw new ArcaError('invalid_request', `malformed socket address "${address}": want host:port`);
  }
  return { type, host, port, path: '' };
}

/** Writes lines to a socket; connects lazily and reconnects after errors. */
export class SocketSink implements AuditSink {
  private socket: Socket | undefined;
  private udp: UdpSocket | undefined;
  private connecting: Promise<Socket> | undefined;

  constructor(
    private readonly target: SocketTarget,
    private readonly connectTimeoutMs: number,
  ) {}

  /** Connects now, to fail an enable early when nothing listens. */
  async probe(): Promise<void> {
    if (this.target.type !== 'udp') await this.connection();
  }

  async write(text: string): Promise<void> {
    if (this.target.type === 'udp') {
      this.udp ??= createSocket(isIP(this.target.host) === 6 ? 'udp6' : 'udp4');
      const udp = this.udp;
      await new Promise<void>((resolve, reject) =>
        udp.send(text, this.target.port, this.target.host, (err) => (err ? reject(err) : resolve())),
      );
      return;
    }
    const socket = await this.connection();
    await new Promise<void>((resolve, reject) => {
      socket.write(text, (err) => (err ? reject(err) : resolve()));
    });
  }

  private connection(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed && this.socket.writable) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const socket =
        this.target.type === 'unix'
          ? createConnection({ path: this.target.path })
          : createConnection({ host: this.target.host, port: this.target.port });
      const timer = setTimeout(() => {
        socket.destroy(new Error('audit socket connect timed out'));
      }, this.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        this.socket = socket;
        resolve(socket);
      });
      // A persistent listener: an unhandled 'error' event would crash the process. Before
      // 'connect' it fails the dial; after, it drops the socket so the next write re-dials.
      socket.on('error', (err) => {
        clearTimeout(timer);
        if (this.socket === socket) this.socket = undefined;
        reject(err);
      });
      socket.on('close', () => {
        if (this.socket === socket) this.socket = undefined;
      });
      // The far end never talks to us; drain anything it sends so buffers cannot grow.
      socket.on('data', () => undefined);
    }).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  async reopen(): Promise<void> {
    this.socket?.destroy();
    this.socket = undefined;
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    this.socket = undefined;
    this.udp?.close();
    this.udp = undefined;
  }
}
