/**
 * The incremental response parser on its own: every framing, the head's
 * header rules, malformed input, and the same answer whatever way the bytes
 * are split (every split point, and byte by byte).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpParseError, MAX_HEAD_BYTES, ResponseParser, type ResponseHead } from './response-parser.ts';

interface Parsed {
  heads: ResponseHead[];
  body: string;
  done: boolean;
  extra: boolean;
}

function parserFor(noBody = false): { parser: ResponseParser; out: Parsed } {
  const out: Parsed = { heads: [], body: '', done: false, extra: false };
  const chunks: Buffer[] = [];
  const parser = new ResponseParser(
    {
      head: (h) => out.heads.push(h),
      body: (c) => chunks.push(Buffer.from(c)),
      done: () => {
        out.done = true;
        out.body = Buffer.concat(chunks).toString('utf8');
      },
    },
    noBody,
  );
  return { parser, out };
}

/** Feeds `pieces` then (optionally) the end of the connection. */
function parse(pieces: Array<string | Buffer>, options: { eof?: boolean; noBody?: boolean } = {}): Parsed {
  const { parser, out } = parserFor(options.noBody);
  for (const p of pieces) parser.push(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
  if (options.eof) parser.end();
  out.extra = parser.extra;
  return out;
}

function failure(pieces: string[], eof = false): HttpParseError {
  try {
    parse(pieces, { eof });
  } catch (err) {
    expect(err).toBeInstanceOf(HttpParseError);
    return err as HttpParseError;
  }
  throw new Error('expected a parse error');
}

function splits(text: string): Array<[string, string]> {
  return Array.from({ length: text.length - 1 }, (_, i) => [text.slice(0, i + 1), text.slice(i + 1)]);
}

/** A chunked answer, as the latin1 text of its (utf8) bytes. */
const CHUNKED = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '5;name=value;x="q"\r\nhello\r\n' +
  '1 \r\n,\r\n' +
  'B\r\n worldé!!!\r\n' +
    '0\r\nX-Trailer: yes\r\nX-Other: 2\r\n\r\n',
  'utf8',
).toString('latin1');

describe('ResponseParser', () => {
  it('reads a Content-Length body and the head', () => {
    const out = parse(['HTTP/1.1 201 Created\r\nContent-Type: application/json\r\ncontent-length: 7\r\n\r\n{"a":1}']);
    expect(out.done).toBe(true);
    expect(out.body).toBe('{"a":1}');
    expect(out.heads).toHaveLength(1);
    expect(out.heads[0]).toMatchObject({ status: 201, statusText: 'Created', minor: 1, keepAlive: true, contentLength: 7 });
    expect(out.heads[0].headers).toEqual({ 'content-type': 'application/json', 'content-length': '7' });
    expect(out.extra).toBe(false);
  });

  it('reads a chunked body with extensions and trailers', () => {
    const out = parse([CHUNKED]);
    expect(out.done).toBe(true);
    expect(out.body).toBe('hello, worldé!!!');
    expect(out.heads[0].keepAlive).toBe(true);
    expect(out.heads[0].contentLength).toBeUndefined();
  });

  it('gives the same answer for every split point and byte by byte', () => {
    const fixed = 'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nContent-Length: 11\r\nSet-Cookie: b=2\r\n\r\nhello world';
    for (const text of [CHUNKED, fixed]) {
      const whole = parse([text]);
      for (const [a, b] of splits(text)) {
        const split = parse([a, b]);
        expect(split.body, `split after ${a.length}`).toBe(whole.body);
        expect(split.heads).toEqual(whole.heads);
        expect(split.done).toBe(true);
      }
      const bytes = Buffer.from(text, 'latin1');
      const oneByOne = parse(Array.from(bytes, (b) => Buffer.from([b])));
      expect(oneByOne.body).toBe(whole.body);
      expect(oneByOne.heads).toEqual(whole.heads);
      expect(oneByOne.done).toBe(true);
    }
  });

  it('skips 1xx interim responses', () => {
    const out = parse(['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']);
    expect(out.heads.map((h) => h.status)).toEqual([200]);
    expect(out.body).toBe('ok');
  });

  it('reads no body for HEAD, 204 and 304 whatever the headers say', () => {
    const head = parse(['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n'], { noBody: true });
    expect(head.done).toBe(true);
    expect(head.body).toBe('');
    expect(head.heads[0].keepAlive).toBe(true);
    for (const status of [204, 304]) {
      const out = parse([`HTTP/1.1 ${status} X\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`]);
      expect(out.done).toBe(true);
      expect(out.body).toBe('');
    }
    expect(parse(['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']).done).toBe(true);
  });

  it('reads a body without length until the connection closes, and never reuses that connection', () => {
    const { parser, out } = parserFor();
    parser.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome '));
    parser.push(Buffer.from('text'));
    expect(out.done).toBe(false);
    parser.end();
    expect(out.done).toBe(true);
    expect(out.body).toBe('some text');
    expect(out.heads[0].keepAlive).toBe(false);
    // Transfer-Encoding without chunked is delimited by the close too.
    const gz = parse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc'], { eof: true });
    expect(gz.body).toBe('abc');
    expect(gz.heads[0].keepAlive).toBe(false);
  });

  it('knows when the connection may be reused: Connection, HTTP/1.0, the Keep-Alive hint', () => {
    const head = (text: string) => parse([`${text}\r\nContent-Length: 0\r\n\r\n`]).heads[0];
    expect(head('HTTP/1.1 200 OK\r\nConnection: close')).toMatchObject({ keepAlive: false });
    expect(head('HTTP/1.1 200 OK\r\nConnection: Upgrade, Close')).toMatchObject({ keepAlive: false });
    expect(head('HTTP/1.0 200 OK')).toMatchObject({ keepAlive: false, minor: 0 });
    expect(head('HTTP/1.0 200 OK\r\nConnection: Keep-Alive')).toMatchObject({ keepAlive: true });
    expect(head('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5, max=100')).toMatchObject({ keepAlive: true, keepAliveTimeoutS: 5 });
    expect(head('HTTP/1.1 200 OK\r\nKeep-Alive: max=10')).toMatchObject({ keepAliveTimeoutS: undefined });
  });

  it('combines repeated headers as node:http does and lower-cases names', () => {
    const out = parse([
      'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSET-COOKIE: b=2\r\nVary: accept\r\nvary: origin\r\nContent-Type: text/plain\r\n' +
        'Content-Type: text/html\r\nCookie: x=1\r\nCookie: y=2\r\nX-Spaced:   padded value \t\r\nX-Empty:\r\nX-Folded: first\r\n  second\r\nContent-Length: 0\r\n\r\n',
    ]);
    expect(out.heads[0].headers).toEqual({
      'set-cookie': ['a=1', 'b=2'],
      vary: 'accept, origin',
      'content-type': 'text/plain',
      cookie: 'x=1; y=2',
      'x-spaced': 'padded value',
      'x-empty': '',
      'x-folded': 'first second',
      'content-length': '0',
    });
  });

  it('accepts bare LF line ends, a status line without reason, and a CRLF left before the status line', () => {
    const out = parse(['\r\nHTTP/1.1 404\nContent-Length: 2\n\nno']);
    expect(out.heads[0]).toMatchObject({ status: 404, statusText: '' });
    expect(out.body).toBe('no');
  });

  it('flags bytes after the complete answer (the connection cannot carry another exchange)', () => {
    const { parser, out } = parserFor();
    parser.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'));
    expect(out.body).toBe('ok');
    expect(parser.extra).toBe(true);
    const later = parserFor();
    later.parser.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    expect(later.parser.extra).toBe(false);
    later.parser.push(Buffer.from('x'));
    expect(later.parser.extra).toBe(true);
  });

  it('refuses malformed answers with a clear error', () => {
    expect(failure(['HTTP/2 200 OK\r\n\r\n']).message).toMatch(/invalid status line "HTTP\/2 200 OK"/);
    expect(failure(['hello there\r\n\r\n']).code).toBe('HPE_INVALID_CONSTANT');
    expect(failure(['HTTP/1.1 20 OK\r\n\r\n']).message).toMatch(/invalid status line/);
    expect(failure(['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n']).message).toMatch(/invalid header line "no colon here"/);
    expect(failure(['HTTP/1.1 200 OK\r\nbad name: x\r\n\r\n']).code).toBe('HPE_INVALID_HEADER_TOKEN');
    expect(failure(['HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n']).message).toMatch(/invalid Content-Length "12a"/);
    expect(failure(['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n']).code).toBe('HPE_UNEXPECTED_CONTENT_LENGTH');
    expect(failure(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']).message).toMatch(/invalid chunk size/);
    expect(failure(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n']).message).toMatch(/chunk data not followed by CRLF/);
    expect(failure(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n']).message).toMatch(/chunk size too large/);
    expect(failure([`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}`]).code).toBe('HPE_HEADER_OVERFLOW');
  });

  it('fails when the connection ends too early: before the head (socket hang up) or in the body', () => {
    const hangUp = failure([], true);
    expect(hangUp).toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' });
    expect(failure(['HTTP/1.1 200 OK\r\nContent-'], true).code).toBe('ECONNRESET');
    expect(failure(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'], true).message).toBe('connection closed before the response body was complete');
    expect(failure(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'], true).message).toMatch(/before the response body was complete/);
  });

  it('reports nothing more once stopped', () => {
    const { parser, out } = parserFor();
    parser.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab'));
    parser.stop();
    parser.push(Buffer.from('cd'));
    parser.end();
    expect(out.done).toBe(false);
  });

  it('property: any body, framed by length or by chunks of any sizes, split into any pieces, parses back to the same bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        (bodyBytes, chunkSizes, pieceSizes, chunked) => {
          const body = Buffer.from(bodyBytes);
          let wire: Buffer;
          if (chunked) {
            const parts: Buffer[] = [Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')];
            for (let at = 0, i = 0; at < body.length; i++) {
              const n = Math.min(chunkSizes[i % chunkSizes.length], body.length - at);
              parts.push(Buffer.from(`${n.toString(16)}${i % 2 ? ';e=1' : ''}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n'));
              at += n;
            }
            parts.push(Buffer.from('0\r\nT: 1\r\n\r\n'));
            wire = Buffer.concat(parts);
          } else {
            wire = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
          }
          const got: Buffer[] = [];
          let done = false;
          const parser = new ResponseParser({ head: () => undefined, body: (c) => got.push(Buffer.from(c)), done: () => (done = true) });
          for (let at = 0, i = 0; at < wire.length; i++) {
            const n = pieceSizes[i % pieceSizes.length];
            parser.push(wire.subarray(at, at + n));
            at += n;
          }
          expect(done).toBe(true);
          expect(parser.extra).toBe(false);
          expect(Buffer.concat(got).equals(body)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
