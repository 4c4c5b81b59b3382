/**
 * Keep-alive sockets per origin for the raw HTTP/1.1 client: one exchange per
 * socket at a time (no pipelining), the most recently used idle socket first.
 *
 * Each socket gets its listeners once, when it is opened; they forward to the
 * exchange that owns the socket, so an exchange costs no listener churn. An
 * idle socket is unref'd (it does not keep the process alive) and watched: the
 * server closing it, an error, or bytes nobody asked for drop it from the pool.
 * A server's `Keep-Alive: timeout=N` hint bounds reuse to N − 1 s after the
 * socket went idle (node's agent does the same), so a request is not sent on
 * a socket the server is about to close.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type tls from 'node:tls';
import type { Target } from './target.ts';

/** What an exchange hears from the socket it owns. */
export interface SocketOwner {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(err: Error): void;
  onClose(): void;
}

/** An exchange waiting for a socket (the origin is at `maxSockets`). */
export interface SocketWaiter {
  assign(conn: Connection): void;
}

type Owner = SocketOwner & SocketWaiter;

/** Margin before the server's keep-alive hint (node's agent: 1 s). */
const HINT_MARGIN_MS = 1000;

export class Connection {
  readonly socket: Socket;
  readonly origin: Origin;
  owner: SocketOwner | undefined;
  /** Exchanges completed on this socket. */
  uses = 0;
  /** performance.now() after which an idle socket is not reused. */
  reuseUntil = Infinity;
  idle = false;

  /**
   * Chunks handed to the owner's onData are views of the pool's shared read buffer,
   * valid only during the call (plain sockets read with `onread`, skipping the stream machinery).
   */
  readonly sharedReads: boolean;

  constructor(socket: Socket, origin: Origin, pool: ConnectionPool, sharedReads: boolean) {
    this.socket = socket;
    this.origin = origin;
    this.sharedReads = sharedReads;
    if (!sharedReads) socket.on('data', (chunk: Buffer) => this.deliver(chunk));
    socket.on('end', () => {
      if (this.owner) this.owner.onEnd();
      else socket.destroy();
    });
    socket.on('error', (err: Error) => this.owner?.onError(err));
    socket.on('close', () => {
      const owner = this.owner;
      this.owner = undefined;
      pool.closed(this);
      owner?.onClose();
    });
  }

  deliver(chunk: Buffer): void {
    if (this.owner) this.owner.onData(chunk);
    else this.socket.destroy(); // bytes nobody asked for: the connection's state is unknown
  }

  get usable(): boolean {
    const s = this.socket;
    return !s.destroyed && s.writable && !s.readableEnded;
  }
}

interface Origin {
  key: string;
  idle: Connection[];
  /** Sockets open or opening, idle ones included. */
  open: number;
  waiters: Array<{ target: Target; waiter: Owner }>;
}

export interface PoolOptions {
  maxSockets?: number;
  /** Extra TLS options (e.g. `ca` for a private CA); the default trust store otherwise. */
  tls?: tls.ConnectionOptions;
}

export class ConnectionPool {
  private readonly origins = new Map<string, Origin>();
  private readonly maxSockets: number;
  private readonly tlsOptions: tls.ConnectionOptions | undefined;
  /** Last TLS session per origin, to resume instead of a full handshake. */
  private readonly sessions = new Map<string, Buffer>();
  private tlsModule: typeof tls | undefined;
  private readonly readBuffer = Buffer.allocUnsafe(64 * 1024);

  constructor(options: PoolOptions = {}) {
    this.maxSockets = options.maxSockets ?? Infinity;
    this.tlsOptions = options.tls;
  }

  /** A socket for `target` now, or undefined when the waiter was queued (the origin is at `maxSockets`). */
  acquire(target: Target, owner: Owner): Connection | undefined {
    const origin = this.originOf(target.key);
    const now = performance.now();
    while (origin.idle.length > 0) {
      const conn = origin.idle.pop()!;
      conn.idle = false;
      if (!conn.usable || now >= conn.reuseUntil) {
        conn.socket.destroy();
        continue;
      }
      conn.socket.ref();
      conn.owner = owner;
      return conn;
    }
    if (origin.open >= this.maxSockets) {
      origin.waiters.push({ target, waiter: owner });
      return undefined;
    }
    const conn = this.open(target, origin);
    conn.owner = owner;
    return conn;
  }

  /** The exchange is done with `conn` and the connection may carry another: reuse it or keep it idle. */
  release(conn: Connection, keepAliveTimeoutS: number | undefined): void {
    conn.owner = undefined;
    conn.uses++;
    const origin = conn.origin;
    const hintMs = keepAliveTimeoutS === undefined ? Infinity : keepAliveTimeoutS * 1000 - HINT_MARGIN_MS;
    if (this.origins.get(origin.key) !== origin || !conn.usable || hintMs <= 0) {
      conn.socket.destroy();
      return;
    }
    const next = origin.waiters.shift();
    if (next) {
      conn.owner = next.waiter;
      next.waiter.assign(conn);
      return;
    }
    conn.reuseUntil = performance.now() + hintMs;
    conn.idle = true;
    conn.socket.unref();
    origin.idle.push(conn);
  }

  /** A queued waiter gave up. */
  cancel(key: string, waiter: Owner): void {
    const origin = this.origins.get(key);
    if (!origin) return;
    const i = origin.waiters.findIndex((w) => w.waiter === waiter);
    if (i >= 0) origin.waiters.splice(i, 1);
  }

  /** Closes idle sockets; sockets in use close when their exchange ends. */
  close(): void {
    for (const origin of this.origins.values()) {
      for (const conn of origin.idle.splice(0)) conn.socket.destroy();
    }
    this.origins.clear();
  }

  /** Called by a connection's 'close'. */
  closed(conn: Connection): void {
    const origin = conn.origin;
    origin.open--;
    if (conn.idle) {
      conn.idle = false;
      const i = origin.idle.indexOf(conn);
      if (i >= 0) origin.idle.splice(i, 1);
    }
    const next = origin.open < this.maxSockets ? origin.waiters.shift() : undefined;
    if (next) {
      const fresh = this.open(next.target, origin);
      fresh.owner = next.waiter;
      next.waiter.assign(fresh);
    } else if (origin.open === 0 && origin.waiters.length === 0 && this.origins.get(origin.key) === origin) {
      this.origins.delete(origin.key);
    }
  }

  /** Idle sockets of an origin (for tests and diagnostics). */
  idleCount(key: string): number {
    return this.origins.get(key)?.idle.length ?? 0;
  }

  private originOf(key: string): Origin {
    let origin = this.origins.get(key);
    if (!origin) this.origins.set(key, (origin = { key, idle: [], open: 0, waiters: [] }));
    return origin;
  }

  private open(target: Target, origin: Origin): Connection {
    origin.open++;
    if (target.secure) {
      // node:tls only when an https URL is used: it loads OpenSSL's code paths.
      this.tlsModule ??= process.getBuiltinModule('node:tls') as typeof tls;
      const tlsSocket = this.tlsModule.connect({
        ...this.tlsOptions,
        host: target.hostname,
        port: target.port,
        servername: target.servername,
        session: this.sessions.get(target.key),
      });
      tlsSocket.on('session', (session: Buffer) => this.sessions.set(target.key, session));
      tlsSocket.setNoDelay(true);
      tlsSocket.setKeepAlive(true, 1000);
      return new Connection(tlsSocket, origin, this, false);
    }
    // Reads land in one buffer shared by the pool's sockets and go straight to the owner: no
    // Readable push, no 'data' event, no Buffer per read. The exchange copies what it keeps.
    const buffer = this.readBuffer;
    const socket: Socket = netConnect({
      host: target.hostname,
      port: target.port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 1000,
      onread: {
        buffer,
        callback: (n: number): boolean => {
          conn.deliver(buffer.subarray(0, n));
          return true;
        },
      },
    });
    const conn: Connection = new Connection(socket, origin, this, true);
    return conn;
  }
}
