/**
 * The bytes of one HTTP/1.1 request: request line, headers and body, built
 * as one Buffer so the socket gets a single write. A Buffer, not a string: the
 * exchange keeps its request until the answer is in (to send it again on a
 * fresh connection), and a string kept that long is copied by every scavenge
 * and then promoted; a Buffer's bytes are outside V8's heap.
 *
 * Headers are validated as node:http does (a token name, no control
 * characters but tab in a value: no header injection), sent latin1. The
 * client adds `Host` (unless given), `Authorization: Basic` from the URL's
 * userinfo (unless given), `Connection: keep-alive`, and `Content-Length`
 * for a body — or `0` for a method that usually carries one — replacing any
 * Content-Length or Transfer-Encoding of the caller.
 */
import type { Target } from './target.ts';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Anything but printable ASCII and tab: the value needs a closer look. */
const NOT_PLAIN = /[^\t\x20-\x7e]/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Methods sent with `Content-Length: 0` when they have no body (as node:http does). */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

function invalid(code: string, message: string): TypeError {
  const err = new TypeError(message);
  (err as { code?: string }).code = code;
  return err;
}

export function requestBytes(target: Target, method: string, headers: Record<string, string> | undefined, body: string | Uint8Array | undefined): Buffer {
  if (!TOKEN.test(method)) throw invalid('ERR_INVALID_HTTP_TOKEN', `invalid HTTP method ${JSON.stringify(method)}`);
  let head = `${method} ${target.path} HTTP/1.1\r\n`;
  let host = false;
  let auth = false;
  if (headers) {
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      const text = String(value);
      if (!TOKEN.test(name)) throw invalid('ERR_INVALID_HTTP_TOKEN', `invalid header name ${JSON.stringify(name)}`);
      if (NOT_PLAIN.test(text) && INVALID_VALUE.test(text)) throw invalid('ERR_INVALID_CHAR', `invalid character in header "${name}"`);
      switch (name.length) {
        case 4:
          if (name.toLowerCase() === 'host') host = true;
          break;
        case 13:
          if (name.toLowerCase() === 'authorization') auth = true;
          break;
        case 14:
          if (name.toLowerCase() === 'content-length') continue;
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') continue;
          break;
      }
      head += `${name}: ${text}\r\n`;
    }
  }
  if (!host) head += `Host: ${target.hostHeader}\r\n`;
  if (!auth && target.auth !== undefined) head += `Authorization: Basic ${Buffer.from(target.auth).toString('base64')}\r\n`;
  head += 'Connection: keep-alive\r\n';
  const bodyBytes = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  if (body !== undefined) head += `Content-Length: ${bodyBytes}\r\n\r\n`;
  else head += BODYLESS_METHODS.has(method) ? '\r\n' : 'Content-Length: 0\r\n\r\n';
  // Header values are latin1 (one byte per character), the body utf8.
  const bytes = Buffer.allocUnsafe(head.length + bodyBytes);
  bytes.write(head, 0, 'latin1');
  if (typeof body === 'string') bytes.write(body, head.length, 'utf8');
  else if (body !== undefined) bytes.set(body, head.length);
  return bytes;
}
