/**
 * One request/response exchange on a pooled raw socket: writes the request
 * (one write), feeds the answer to a ResponseParser, collects the body,
 * settles the caller's promise once, and hands the socket back to the pool
 * when the connection can carry another exchange.
 *
 * Failure rules (core/http-client.ts documents them for callers): before the
 * head arrived, an error is rethrown as it is; after it, it becomes an
 * `HttpBodyError` with the status. The deadline and the abort signals cover
 * the whole exchange, decoding included; when the deadline fired, its
 * `TimeoutError` is the reason whatever error the teardown caused.
 */
import type zlib from 'node:zlib';
import { ResponseParser, type ResponseHead, type ResponseSink } from './response-parser.ts';
import type { Connection, ConnectionPool, SocketOwner, SocketWaiter } from './connection-pool.ts';
import type { Target } from './target.ts';
import { abortError, bodyFailure, timeoutError, tooLargeError, type HttpAnswer } from './types.ts';

/** A request ready to send (also what a retry sends again). */
export interface PreparedRequest {
  target: Target;
  method: string;
  bytes: Buffer;
  signals: readonly AbortSignal[];
  timeoutMs: number | undefined;
  /** performance.now() deadline of the whole exchange, retries included. */
  deadlineAt: number | undefined;
  maxBodyBytes: number;
}

type Settle = { resolve: (answer: HttpAnswer) => void; reject: (err: unknown) => void };

let zlibModule: typeof zlib | undefined;

export class Exchange implements SocketOwner, SocketWaiter, ResponseSink {
  private readonly pool: ConnectionPool;
  private readonly req: PreparedRequest;
  private readonly settle: Settle;
  private readonly retried: boolean;
  private conn: Connection | undefined;
  private parser: ResponseParser | undefined;
  private responseHead: ResponseHead | undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  /** chunks[0 … copied) are copies (see onData). */
  private copied = 0;
  private settled = false;
  private queued = false;
  private timer: NodeJS.Timeout | undefined;
  /** Our deadline's error, once it fired. */
  private expired: Error | undefined;
  private readonly onAbort = (): void => {
    const signal = this.req.signals.find((s) => s.aborted);
    if (signal) this.fail(abortError(signal));
  };

  constructor(pool: ConnectionPool, req: PreparedRequest, settle: Settle, retried = false) {
    this.pool = pool;
    this.req = req;
    this.settle = settle;
    this.retried = retried;
  }

  start(): void {
    const { signals, deadlineAt } = this.req;
    for (const s of signals) {
      if (s.aborted) return this.reject(abortError(s));
    }
    for (const s of signals) s.addEventListener('abort', this.onAbort, { once: true });
    if (deadlineAt !== undefined) {
      this.timer = setTimeout(() => {
        this.expired = timeoutError(this.req.timeoutMs!);
        this.fail(this.expired);
      }, Math.max(0, deadlineAt - performance.now()));
    }
    let conn: Connection | undefined;
    try {
      conn = this.pool.acquire(this.req.target, this);
    } catch (err) {
      return this.reject(err);
    }
    if (conn) this.assign(conn);
    else this.queued = true;
  }

  /** The pool hands us a socket (at once, or later when we were queued). */
  assign(conn: Connection): void {
    this.queued = false;
    if (this.settled) {
      // Gave up while queued and the pool raced us: pass the socket on.
      this.pool.release(conn, undefined);
      return;
    }
    this.conn = conn;
    this.parser = new ResponseParser(this, this.req.method === 'HEAD');
    // A destroyed socket would swallow the write and never emit another event.
    if (conn.socket.destroyed) this.onClose();
    else conn.socket.write(this.req.bytes);
  }

  // --- socket events (SocketOwner) ---

  onData(chunk: Buffer): void {
    const shared = this.conn!.sharedReads;
    try {
      this.parser!.push(chunk);
    } catch (err) {
      this.fail(err as Error);
    }
    // Body bytes still wanted after this call must not stay views of the shared read buffer.
    if (shared) for (let i = this.copied; i < this.chunks.length; i++) this.chunks[i] = Buffer.from(this.chunks[i]);
    this.copied = this.chunks.length;
  }

  onEnd(): void {
    try {
      this.parser!.end();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  onError(err: Error): void {
    this.fail(err);
  }

  onClose(): void {
    const err = new Error('socket hang up');
    (err as { code?: string }).code = 'ECONNRESET';
    this.fail(err);
  }

  // --- parser events (ResponseSink) ---

  head(head: ResponseHead): void {
    this.responseHead = head;
    const max = this.req.maxBodyBytes;
    if (head.contentLength !== undefined && head.contentLength > max && !encoded(head)) this.fail(tooLargeError(max, head.status));
  }

  body(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.req.maxBodyBytes) this.fail(tooLargeError(this.req.maxBodyBytes, this.responseHead!.status));
    else this.chunks.push(chunk);
  }

  done(): void {
    const conn = this.conn!;
    const head = this.responseHead!;
    this.conn = undefined;
    conn.owner = undefined;
    // Reusable: the server keeps it open, nothing followed the answer, and our request was written out
    // (an answer that came before the whole request was sent leaves the connection in an unknown state).
    if (head.keepAlive && !this.parser!.extra && conn.socket.writableLength === 0) this.pool.release(conn, head.keepAliveTimeoutS);
    else conn.socket.destroy();
    this.finishBody(head);
  }

  // --- settling ---

  private finishBody(head: ResponseHead): void {
    const chunks = this.chunks;
    let raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.size);
    this.chunks = [];
    this.copied = 0;
    const coding = encoded(head);
    if (!coding || raw.length === 0) {
      this.resolve({ status: head.status, statusText: head.statusText, headers: head.headers, body: raw.toString('utf8') });
      return;
    }
    // Decoding is asynchronous: keep a copy, not a view of a read buffer.
    if (chunks.length === 1) raw = Buffer.from(raw);
    zlibModule ??= process.getBuiltinModule('node:zlib') as typeof zlib;
    const options = { maxOutputLength: this.req.maxBodyBytes };
    const decoded = (err: Error | null, out: Buffer) => {
      if (this.settled) return;
      if (err) {
        const code = (err as { code?: string }).code;
        this.fail(code === 'ERR_BUFFER_TOO_LARGE' ? tooLargeError(this.req.maxBodyBytes, head.status) : err);
        return;
      }
      this.resolve({ status: head.status, statusText: head.statusText, headers: head.headers, body: out.toString('utf8') });
    };
    if (coding === 'br') zlibModule.brotliDecompress(raw, options, decoded);
    else if (coding === 'deflate') zlibModule.inflate(raw, options, decoded);
    else zlibModule.gunzip(raw, options, decoded);
  }

  private fail(err: Error): void {
    if (this.settled) return;
    this.parser?.stop();
    const conn = this.conn;
    this.conn = undefined;
    if (conn) {
      conn.owner = undefined;
      conn.socket.destroy();
    }
    if (this.queued) {
      this.queued = false;
      this.pool.cancel(this.req.target.key, this);
    }
    const head = this.responseHead;
    if (head) return this.reject(bodyFailure(this.expired ?? err, head.status));
    if (this.mayRetry(err, conn)) {
      this.cleanup();
      this.settled = true;
      new Exchange(this.pool, this.req, this.settle, true).start();
      return;
    }
    this.reject(this.expired ?? err);
  }

  /**
   * A kept-alive socket that failed before any byte of an answer: most likely the server had just
   * closed it idle, but it may have taken the request, so only a request that is safe to repeat is
   * sent once more on a new connection (as fetch does). Backend calls decide about retries themselves.
   */
  private mayRetry(err: Error, conn: Connection | undefined): boolean {
    if (this.retried || this.expired || !conn || conn.uses === 0 || this.parser?.started) return false;
    if (this.req.method !== 'GET' && this.req.method !== 'HEAD') return false;
    if (this.req.signals.some((s) => s.aborted)) return false;
    const code = (err as { code?: unknown }).code;
    return code === 'ECONNRESET' || code === 'EPIPE';
  }

  private resolve(answer: HttpAnswer): void {
    if (this.settled) return;
    this.settled = true;
    this.cleanup();
    this.settle.resolve(answer);
  }

  private reject(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.cleanup();
    this.settle.reject(err);
  }

  private cleanup(): void {
    clearTimeout(this.timer);
    for (const s of this.req.signals) s.removeEventListener('abort', this.onAbort);
  }
}

/** The body's content coding when it is one we decode. */
function encoded(head: ResponseHead): 'gzip' | 'deflate' | 'br' | undefined {
  const value = head.headers['content-encoding'];
  if (value === undefined) return undefined;
  switch (String(value).trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return 'gzip';
    case 'deflate':
      return 'deflate';
    case 'br':
      return 'br';
    default:
      return undefined;
  }
}

