/**
 * Test support: a loopback TCP server that reads HTTP/1.1 requests and lets a
 * test answer with whatever bytes it likes (malformed ones, one byte at a
 * time, closing when it wants), counting the connections it accepted.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface RawRequest {
  /** Request line and headers, as sent. */
  head: string;
  method: string;
  path: string;
  /** Header values by lower-cased name (the last one wins). */
  headers: Record<string, string>;
  body: string;
  /** Index of the connection it came on (0 = the first accepted). */
  connection: number;
}

export interface RawServer {
  url: string;
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Resolves when connection `index` has closed. */
  closedConnection(index: number): Promise<void>;
  close(): Promise<void>;
}

export type RawHandler = (socket: Socket, req: RawRequest) => void;

export async function startRawServer(handler: RawHandler, host = '127.0.0.1'): Promise<RawServer> {
  const sockets: Socket[] = [];
  const closed: Array<Promise<void>> = [];
  const server: Server = createServer((socket) => {
    const index = sockets.length;
    sockets.push(socket);
    closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.toString('latin1', 0, end);
        const headers: Record<string, string> = {};
        for (const line of head.split('\r\n').slice(1)) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = Number(headers['content-length'] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.toString('utf8', end + 4, end + 4 + length);
        buffered = buffered.subarray(end + 4 + length);
        const [method, path] = head.split(' ');
        handler(socket, { head, method, path, headers, body, connection: index });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    get connections() {
      return sockets.length;
    },
    closedConnection: (index) => closed[index],
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Writes `bytes` one byte per write, letting the event loop turn between them (separate TCP segments). */
export async function dribble(socket: Socket, bytes: string | Buffer): Promise<void> {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  for (let i = 0; i < buf.length; i++) {
    if (socket.destroyed) return;
    socket.write(buf.subarray(i, i + 1));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A complete answer with a Content-Length. */
export function answer(status: number, body: string, headers: Record<string, string> = {}): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `HTTP/1.1 ${status} X\r\n${lines}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
