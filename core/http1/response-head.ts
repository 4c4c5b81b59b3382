/**
 * The head of an HTTP/1.x response, from its latin1 text: status line,
 * headers as node:http's `IncomingMessage.headers` has them (names
 * lower-cased; `set-cookie` an array; a few single-valued headers keep their
 * first value; `cookie` joined with `; `, others with `, `; obs-fold lines
 * joined with a space), how the body is framed (RFC 9112 §6.3) and whether
 * the connection may carry another exchange.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface ResponseHead {
  status: number;
  statusText: string;
  /** HTTP/1.x minor version. */
  minor: number;
  headers: IncomingHttpHeaders;
  /** The connection may carry another exchange after this response. */
  keepAlive: boolean;
  /** `Keep-Alive: timeout=N` of the server, in seconds. */
  keepAliveTimeoutS: number | undefined;
  /** Content-Length when the body is framed by one (0 when there is no body). */
  contentLength: number | undefined;
  /** How the body ends: after `contentLength` bytes, after the last chunk, or when the connection closes. */
  framing: 'length' | 'chunked' | 'close';
}

export class HttpParseError extends Error {
  override readonly name = 'HttpParseError';
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Headers of which node:http keeps the first value when a response repeats them. */
const FIRST_WINS = new Set([
  'content-type',
  'content-length',
  'user-agent',
  'referer',
  'host',
  'authorization',
  'proxy-authorization',
  'if-modified-since',
  'if-unmodified-since',
  'from',
  'location',
  'max-forwards',
  'retry-after',
  'etag',
  'last-modified',
  'server',
  'age',
  'expires',
]);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;

/**
 * Parses a complete head (the text up to and including its empty line). Undefined for a 1xx interim
 * response (except 101). `noBody`: the request was a HEAD.
 */
export function parseHead(text: string, noBody: boolean): ResponseHead | undefined {
  const lines = text.split('\n');
  // Empty lines before the status line (left over after a previous body) are ignored.
  let first = 0;
  while (first < lines.length - 1 && stripCr(lines[first]).length === 0) first++;
  const statusLine = stripCr(lines[first]);
  const m = STATUS_LINE.exec(statusLine);
  if (!m) throw new HttpParseError('HPE_INVALID_CONSTANT', `invalid status line ${JSON.stringify(statusLine.slice(0, 64))}`);
  const status = Number(m[2]);
  if (status < 100) throw new HttpParseError('HPE_INVALID_STATUS', `invalid status code ${m[2]}`);
  if (status >= 100 && status < 200 && status !== 101) {
    // 100 Continue, 103 Early Hints, …: interim, the final answer follows.
    return undefined;
  }
  const minor = Number(m[1]);
  const headers: IncomingHttpHeaders = {};
  let contentLength: number | undefined;
  let transferEncoding: string | undefined;
  let connection = '';
  let keepAliveHint: string | undefined;
  let last: string | undefined;
  for (let i = first + 1; i < lines.length; i++) {
    const line = stripCr(lines[i]);
    if (line.length === 0) continue;
    const c0 = line.charCodeAt(0);
    if (c0 === 32 || c0 === 9) {
      // obs-fold: a continuation of the previous header's value (RFC 9112 §5.2: replaced by a space).
      if (last === undefined) throw new HttpParseError('HPE_INVALID_HEADER_TOKEN', 'header continuation without a header');
      const prev = headers[last];
      const more = trimOws(line);
      if (typeof prev === 'string') headers[last] = `${prev} ${more}`;
      else if (Array.isArray(prev)) prev[prev.length - 1] += ` ${more}`;
      continue;
    }
    const colon = line.indexOf(':');
    const rawName = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(rawName)) throw new HttpParseError('HPE_INVALID_HEADER_TOKEN', `invalid header line ${JSON.stringify(line.slice(0, 64))}`);
    const value = trimOws(line.slice(colon + 1));
    if (value.includes('\r')) throw new HttpParseError('HPE_INVALID_HEADER_TOKEN', `invalid character in header ${rawName}`);
    const name = rawName.toLowerCase();
    last = name;
    switch (name) {
      case 'content-length': {
        if (!/^\d+$/.test(value) || value.length > 15) throw new HttpParseError('HPE_INVALID_CONTENT_LENGTH', `invalid Content-Length ${JSON.stringify(value.slice(0, 32))}`);
        const n = Number(value);
        if (contentLength !== undefined && contentLength !== n) throw new HttpParseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'conflicting Content-Length headers');
        contentLength = n;
        break;
      }
      case 'transfer-encoding':
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
        break;
      case 'connection':
        connection += `,${value.toLowerCase()}`;
        break;
      case 'keep-alive':
        keepAliveHint = value;
        break;
    }
    addHeader(headers, name, value);
  }
  let keepAlive = minor === 1 ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive');
  let chunked = false;
  let untilClose = false;
  if (noBody || status === 204 || status === 304 || status === 101) {
    contentLength = 0;
    if (status === 101) keepAlive = false;
  } else if (transferEncoding !== undefined) {
    contentLength = undefined;
    chunked = lastToken(transferEncoding) === 'chunked';
    untilClose = !chunked;
    // A response with both framings is suspect (RFC 9112 §6.3): do not reuse its connection.
    if (chunked && headers['content-length'] !== undefined) keepAlive = false;
  } else if (contentLength === undefined) {
    untilClose = true;
  }
  if (untilClose) keepAlive = false;
  const timeout = keepAliveHint === undefined ? undefined : /(?:^|[\s,])timeout\s*=\s*(\d+)/i.exec(keepAliveHint);
  return {
    status,
    statusText: m[3] ?? '',
    minor,
    headers,
    keepAlive,
    keepAliveTimeoutS: timeout ? Number(timeout[1]) : undefined,
    contentLength,
    framing: chunked ? 'chunked' : untilClose ? 'close' : 'length',
  };
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function hasToken(list: string, token: string): boolean {
  for (const t of list.split(',')) if (t.trim() === token) return true;
  return false;
}

function lastToken(list: string): string {
  const parts = list.split(',');
  return parts[parts.length - 1].trim().toLowerCase();
}

function addHeader(headers: IncomingHttpHeaders, name: string, value: string): void {
  const prev = headers[name];
  if (name === 'set-cookie') {
    if (prev === undefined) headers[name] = [value];
    else (prev as string[]).push(value);
  } else if (prev === undefined) {
    headers[name] = value;
  } else if (!FIRST_WINS.has(name)) {
    headers[name] = `${prev}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
}
