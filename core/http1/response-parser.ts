/**
 * An incremental HTTP/1.1 response parser: fed the socket's Buffers as they
 * arrive (split anywhere, down to single bytes), it reports the final head
 * (1xx interim responses are skipped), the body's bytes as slices of the
 * input (no copies) and the end of the message. Pure: no I/O, no timers.
 *
 * Framing (RFC 9112 §6.3): no body for a HEAD request, 1xx, 204 and 304; else
 * `Transfer-Encoding` ending in `chunked` (extensions and trailers skipped);
 * else `Content-Length`; else the body runs until the connection closes.
 * Malformed input throws an `HttpParseError` with an `HPE_*` code.
 *
 * The head is read as latin1 text once it is complete (core/http1/response-head.ts).
 */
import { HttpParseError, parseHead, type ResponseHead } from './response-head.ts';

export { HttpParseError, type ResponseHead };

export interface ResponseSink {
  head(head: ResponseHead): void;
  body(chunk: Buffer): void;
  done(): void;
}

/** Heads (and trailers) larger than this are refused. */
export const MAX_HEAD_BYTES = 64 * 1024;

/** Parser states. */
const S = {
  HEAD: 0,
  LENGTH: 1,
  UNTIL_CLOSE: 2,
  CHUNK_SIZE: 3,
  CHUNK_SIZE_WS: 4,
  CHUNK_EXT: 5,
  CHUNK_SIZE_LF: 6,
  CHUNK_DATA: 7,
  CHUNK_DATA_CR: 8,
  CHUNK_DATA_LF: 9,
  TRAILERS: 10,
  DONE: 11,
  DEAD: 12,
} as const;
type State = (typeof S)[keyof typeof S];

export class ResponseParser {
  private state: State = S.HEAD;
  /** Bytes of a head that is not complete yet: pending[0 … pendingLength), grown by doubling. */
  private pending: Buffer | undefined;
  private pendingLength = 0;
  /** Bytes left of the Content-Length body or of the current chunk. */
  private remaining = 0;
  private sizeDigits = 0;
  /** Bytes of the current chunk-size line or trailer section (bounded). */
  private lineBytes = 0;
  private trailerLineEmpty = true;
  private readonly sink: ResponseSink;
  private readonly noBody: boolean;
  /** Some byte of a response arrived. */
  started = false;
  /** Bytes followed the complete response: the connection cannot be reused. */
  extra = false;

  /** `noBody`: the request was a HEAD (its answer has no body whatever the headers say). */
  constructor(sink: ResponseSink, noBody = false) {
    this.sink = sink;
    this.noBody = noBody;
  }

  get complete(): boolean {
    return this.state === S.DONE;
  }

  /** Stops reporting: the owner gave up on the exchange. */
  stop(): void {
    this.state = S.DEAD;
  }

  push(input: Buffer): void {
    if (input.length === 0) return;
    if (this.state === S.DONE) this.extra = true;
    if (this.state >= S.DONE) return;
    this.started = true;
    let buf = input;
    let pos = 0;
    while (pos < buf.length) {
      switch (this.state) {
        case S.HEAD: {
          let after: number;
          if (this.pending) {
            // Only the new bytes (and the 3 before them) can complete the empty line.
            const from = Math.max(0, this.pendingLength - 3);
            this.keep(buf, pos);
            buf = this.pending.subarray(0, this.pendingLength);
            pos = 0;
            after = headEnd(buf, from);
          } else {
            after = headEnd(buf, pos);
            // A copy: the input may be a view of a read buffer that is reused.
            if (after < 0) this.keep(buf, pos);
          }
          if (after < 0) {
            if (this.pendingLength > MAX_HEAD_BYTES) throw new HttpParseError('HPE_HEADER_OVERFLOW', `response head larger than ${MAX_HEAD_BYTES} bytes`);
            return;
          }
          this.pending = undefined;
          this.pendingLength = 0;
          const text = buf.toString('latin1', pos, after);
          pos = after;
          const head = parseHead(text, this.noBody);
          if (head) this.onHead(head);
          // A body of length 0 is complete with its head.
          if ((this.state as State) === S.LENGTH && this.remaining === 0) this.finish(buf, pos);
          break;
        }
        case S.LENGTH: {
          const n = Math.min(this.remaining, buf.length - pos);
          this.remaining -= n;
          const chunk = n === buf.length ? buf : buf.subarray(pos, pos + n);
          pos += n;
          this.sink.body(chunk);
          if (this.remaining === 0 && this.state === S.LENGTH) this.finish(buf, pos);
          break;
        }
        case S.UNTIL_CLOSE:
          this.sink.body(pos === 0 ? buf : buf.subarray(pos));
          return;
        case S.CHUNK_DATA: {
          const n = Math.min(this.remaining, buf.length - pos);
          this.remaining -= n;
          const chunk = buf.subarray(pos, pos + n);
          pos += n;
          if (this.remaining === 0) this.state = S.CHUNK_DATA_CR;
          this.sink.body(chunk);
          break;
        }
        case S.TRAILERS: {
          // Lines until an empty one; their content is not kept.
          const lf = buf.indexOf(10, pos);
          const stop = lf < 0 ? buf.length : lf;
          for (let i = pos; i < stop; i++) if (buf[i] !== 13) this.trailerLineEmpty = false;
          this.lineBytes += stop - pos;
          if (this.lineBytes > MAX_HEAD_BYTES) throw new HttpParseError('HPE_HEADER_OVERFLOW', `response trailers larger than ${MAX_HEAD_BYTES} bytes`);
          if (lf < 0) return;
          pos = lf + 1;
          if (this.trailerLineEmpty) this.finish(buf, pos);
          this.trailerLineEmpty = true;
          break;
        }
        default:
          pos = this.chunkFraming(buf, pos);
      }
    }
  }

  /** The connection ended (EOF). Completes a body that runs until the close; anything else unfinished throws. */
  end(): void {
    switch (this.state) {
      case S.UNTIL_CLOSE:
        this.finish(Buffer.alloc(0), 0);
        return;
      case S.DONE:
      case S.DEAD:
        return;
      case S.HEAD: {
        // As node:http says it: the server closed without (completely) answering.
        const err = new HttpParseError('ECONNRESET', 'socket hang up');
        this.state = S.DEAD;
        throw err;
      }
      default:
        this.state = S.DEAD;
        throw new HttpParseError('ECONNRESET', 'connection closed before the response body was complete');
    }
  }

  /** One byte of a chunk's framing (size line, extension, the CRLF after its data). */
  private chunkFraming(buf: Buffer, pos: number): number {
    const c = buf[pos];
    if (++this.lineBytes > MAX_HEAD_BYTES) throw new HttpParseError('HPE_CHUNK_EXTENSIONS_OVERFLOW', 'chunk size line too long');
    switch (this.state) {
      case S.CHUNK_SIZE: {
        const d = hexDigit(c);
        if (d >= 0) {
          if (++this.sizeDigits > 13) throw new HttpParseError('HPE_INVALID_CHUNK_SIZE', 'chunk size too large');
          this.remaining = this.remaining * 16 + d;
          return pos + 1;
        }
        if (this.sizeDigits === 0) throw new HttpParseError('HPE_INVALID_CHUNK_SIZE', `invalid chunk size (byte 0x${c.toString(16)})`);
        this.state = S.CHUNK_SIZE_WS;
        return pos;
      }
      case S.CHUNK_SIZE_WS:
        if (c === 32 || c === 9) return pos + 1;
        if (c === 59) this.state = S.CHUNK_EXT;
        else if (c === 13) this.state = S.CHUNK_SIZE_LF;
        else if (c === 10) this.chunkSizeDone();
        else throw new HttpParseError('HPE_INVALID_CHUNK_SIZE', `invalid chunk size (byte 0x${c.toString(16)})`);
        return pos + 1;
      case S.CHUNK_EXT: {
        // Extensions are skipped up to the end of the line.
        const lf = buf.indexOf(10, pos);
        if (lf < 0) {
          this.lineBytes += buf.length - pos;
          return buf.length;
        }
        this.chunkSizeDone();
        return lf + 1;
      }
      case S.CHUNK_SIZE_LF:
        if (c !== 10) throw new HttpParseError('HPE_INVALID_CHUNK_SIZE', 'chunk size line not ended by CRLF');
        this.chunkSizeDone();
        return pos + 1;
      case S.CHUNK_DATA_CR:
        if (c === 13) this.state = S.CHUNK_DATA_LF;
        else if (c === 10) this.nextChunk();
        else throw new HttpParseError('HPE_STRICT', 'chunk data not followed by CRLF');
        return pos + 1;
      case S.CHUNK_DATA_LF:
        if (c !== 10) throw new HttpParseError('HPE_STRICT', 'chunk data not followed by CRLF');
        this.nextChunk();
        return pos + 1;
      default:
        return buf.length;
    }
  }

  private nextChunk(): void {
    this.state = S.CHUNK_SIZE;
    this.remaining = 0;
    this.sizeDigits = 0;
    this.lineBytes = 0;
  }

  private chunkSizeDone(): void {
    this.lineBytes = 0;
    if (this.remaining > 0) {
      this.state = S.CHUNK_DATA;
      return;
    }
    this.state = S.TRAILERS;
    this.trailerLineEmpty = true;
  }

  /** Appends input[from …] to the pending head bytes (amortised linear however the head is split). */
  private keep(input: Buffer, from: number): void {
    const length = this.pendingLength + input.length - from;
    if (!this.pending || length > this.pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(length, 2 * (this.pending?.length ?? 256)));
      this.pending?.copy(grown, 0, 0, this.pendingLength);
      this.pending = grown;
    }
    input.copy(this.pending, this.pendingLength, from);
    this.pendingLength = length;
  }

  private onHead(head: ResponseHead): void {
    if (head.framing === 'chunked') this.nextChunk();
    else if (head.framing === 'close') this.state = S.UNTIL_CLOSE;
    else {
      this.state = S.LENGTH;
      this.remaining = head.contentLength!;
    }
    this.sink.head(head);
  }

  private finish(buf: Buffer, pos: number): void {
    this.state = S.DONE;
    if (pos < buf.length) this.extra = true;
    this.sink.done();
  }
}

/** Index just after the empty line that ends a head (CRLF or bare LF line ends), or -1 when it has not arrived. */
function headEnd(buf: Buffer, from: number): number {
  let i = buf.indexOf(10, from);
  while (i >= 0) {
    const next = buf[i + 1];
    if (next === 10) return i + 2;
    if (next === 13 && buf[i + 2] === 10) return i + 3;
    i = buf.indexOf(10, i + 1);
  }
  return -1;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}
