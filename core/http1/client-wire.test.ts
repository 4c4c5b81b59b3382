/**
 * The raw-socket HTTP client (core/http-client.ts) against a loopback server
 * that writes exact bytes: answers split at every byte, every framing,
 * connection reuse and its limits, servers closing idle sockets, malformed
 * answers, and the request bytes we send.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, HttpBodyError, HttpParseError, type HttpClient } from '../http-client.ts';
import { answer, dribble, startRawServer, type RawHandler, type RawRequest, type RawServer } from './raw-server.ts';

let server: RawServer | undefined;
let client: HttpClient | undefined;
const seen: RawRequest[] = [];

afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
  seen.length = 0;
});

async function serve(handler: RawHandler, host?: string): Promise<string> {
  server = await startRawServer((socket, req) => {
    seen.push(req);
    handler(socket, req);
  }, host);
  client = createHttpClient();
  return server.url;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (err: Error) => err,
  );
}

const CHUNKED_ANSWER =
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '6;ext=1\r\nchunk \r\n' +
  'c\r\nsplit évery\r\n' +
  '0\r\nX-Trailer: t\r\n\r\n';

describe('the raw HTTP/1.1 client', () => {
  it('reads answers written one byte at a time (chunked, then Content-Length) on one kept-alive connection', async () => {
    const url = await serve((socket, req) => {
      void dribble(socket, req.path === '/chunked' ? CHUNKED_ANSWER : answer(200, '{"ok":"byte by byte"}', { 'Content-Type': 'application/json' }));
    });
    const chunked = await client!.request(`${url}/chunked`);
    expect(chunked).toMatchObject({ status: 200, statusText: 'OK', body: 'chunk split évery' });
    expect(chunked.headers['content-type']).toBe('text/plain');
    const fixed = await client!.request(`${url}/fixed`, { method: 'POST', body: '{}' });
    expect(fixed.body).toBe('{"ok":"byte by byte"}');
    expect(server!.connections).toBe(1);
  });

  it('skips 100 Continue, and reads no body for HEAD, 204 and 304 (the connection stays usable)', async () => {
    const url = await serve((socket, req) => {
      if (req.path === '/continue') socket.write(`HTTP/1.1 100 Continue\r\n\r\n${answer(200, 'after continue')}`);
      else if (req.method === 'HEAD') socket.write('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n');
      else if (req.path === '/204') socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      else if (req.path === '/304') socket.write('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n');
      else socket.write(answer(200, 'plain'));
    });
    expect((await client!.request(`${url}/continue`)).body).toBe('after continue');
    const head = await client!.request(`${url}/x`, { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['content-length']).toBe('50');
    expect(await client!.request(`${url}/204`)).toMatchObject({ status: 204, body: '' });
    expect(await client!.request(`${url}/304`)).toMatchObject({ status: 304, body: '' });
    expect((await client!.request(`${url}/plain`)).body).toBe('plain');
    expect(server!.connections).toBe(1);
  });

  it('reads a body delimited by the close, and does not reuse a connection the answer closes', async () => {
    const url = await serve((socket, req) => {
      if (req.path === '/until-close') socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it, until the end');
      else socket.write(answer(200, 'closing', { Connection: 'close' }));
    });
    expect((await client!.request(`${url}/until-close`)).body).toBe('all of it, until the end');
    expect((await client!.request(`${url}/close`)).body).toBe('closing');
    expect((await client!.request(`${url}/close`)).body).toBe('closing');
    expect(seen.map((r) => r.connection)).toEqual([0, 1, 2]);
  });

  it('reports repeated headers as node:http does', async () => {
    const url = await serve((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Multi: one\r\nX-MULTI: two\r\nContent-Length: 0\r\n\r\n');
    });
    const res = await client!.request(url);
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.headers['x-multi']).toBe('one, two');
  });

  it('refuses malformed answers: before the head as it is, after it as a body failure with the status', async () => {
    const url = await serve((socket, req) => {
      if (req.path === '/bad-status') socket.write('HTP/1.1 200 OK\r\n\r\n');
      else if (req.path === '/bad-chunk') socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n');
      else if (req.path === '/short') socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 100\r\n\r\nonly this');
      else socket.write(`${answer(200, 'ok')}GARBAGE`);
    });
    const status = await rejection(client!.request(`${url}/bad-status`));
    expect(status).toBeInstanceOf(HttpParseError);
    expect(status.message).toMatch(/invalid status line/);
    const chunk = await rejection(client!.request(`${url}/bad-chunk`));
    expect(chunk).toBeInstanceOf(HttpBodyError);
    expect(chunk).toMatchObject({ status: 200, code: 'HPE_INVALID_CHUNK_SIZE' });
    const short = await rejection(client!.request(`${url}/short`));
    expect(short).toBeInstanceOf(HttpBodyError);
    expect((short as HttpBodyError).status).toBe(502);
    expect(short.message).toMatch(/before the response body was complete/);
    // Bytes after a complete answer: the answer stands, the connection is not reused.
    const before = server!.connections;
    expect((await client!.request(`${url}/extra`)).body).toBe('ok');
    expect((await client!.request(`${url}/extra`)).body).toBe('ok');
    expect(server!.connections - before).toBe(2);
  });

  it('takes an answer that arrives before the request body was written, and then drops the connection', async () => {
    // Answers as soon as the request head arrives and never reads the 16 MiB body.
    const big = 'x'.repeat(16 * 1024 * 1024);
    let accepted = 0;
    const raw = await import('node:net');
    const early = raw.createServer((socket: Socket) => {
      accepted++;
      socket.once('data', () => {
        socket.pause();
        socket.write(answer(413, 'too big'));
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve));
    client = createHttpClient();
    try {
      const url = `http://127.0.0.1:${(early.address() as AddressInfo).port}/upload`;
      expect(await client.request(url, { method: 'POST', body: big })).toMatchObject({ status: 413, body: 'too big' });
      expect(await client.request(url, { method: 'POST', body: big })).toMatchObject({ status: 413 });
      expect(accepted).toBe(2);
    } finally {
      client.close();
      early.close();
      early.unref();
    }
  });

  it('notices a server closing an idle kept-alive socket and sends the next POST on a new connection', async () => {
    const url = await serve((socket) => {
      socket.write(answer(200, 'once'));
      socket.end(); // no Connection: close: the socket looked reusable
    });
    expect((await client!.request(url, { method: 'POST', body: 'a' })).body).toBe('once');
    await server!.closedConnection(0);
    // A POST is never retried: it only succeeds because the closed socket left the pool.
    expect((await client!.request(url, { method: 'POST', body: 'b' })).body).toBe('once');
    expect(seen.map((r) => [r.connection, r.body])).toEqual([
      [0, 'a'],
      [1, 'b'],
    ]);
  });

  it('notices a node:http server dropping idle sockets after its keepAliveTimeout', async () => {
    let connections = 0;
    const node = http.createServer((_req, res) => res.end('fine'));
    node.keepAliveTimeout = 30;
    const closed: Array<Promise<unknown>> = [];
    node.on('connection', (socket: Socket) => {
      connections++;
      closed.push(new Promise((resolve) => socket.once('close', resolve)));
    });
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    client = createHttpClient();
    try {
      const url = `http://127.0.0.1:${(node.address() as AddressInfo).port}/`;
      expect((await client.request(url, { method: 'POST', body: '1' })).body).toBe('fine');
      await closed[0];
      expect((await client.request(url, { method: 'POST', body: '2' })).body).toBe('fine');
      expect(connections).toBe(2);
    } finally {
      node.closeAllConnections();
      await new Promise((resolve) => node.close(resolve));
    }
  });

  it("honours the server's Keep-Alive timeout hint: a socket the server keeps 1 s is not kept at all", async () => {
    const url = await serve((socket, req) => socket.write(answer(200, 'hint', { 'Keep-Alive': req.path === '/short' ? 'timeout=1' : 'timeout=60' })));
    await client!.request(`${url}/short`);
    await client!.request(`${url}/long`);
    await client!.request(`${url}/long`);
    await client!.request(`${url}/long`);
    expect(seen.map((r) => r.connection)).toEqual([0, 1, 1, 1]);
  });

  it('sends Host with the port, basic auth from the userinfo, Content-Length, and validates header values', async () => {
    const url = await serve((socket) => socket.write(answer(200, 'ok')));
    const port = server!.port;
    await client!.request(`http://us%40er:p%3Ass@127.0.0.1:${port}/path?q=1`, { method: 'PUT', body: 'é', headers: { 'X-Custom': 'v' } });
    expect(seen[0].head.split('\r\n')[0]).toBe('PUT /path?q=1 HTTP/1.1');
    expect(seen[0].headers).toMatchObject({
      host: `127.0.0.1:${port}`,
      authorization: `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`,
      'content-length': '2',
      'x-custom': 'v',
    });
    expect(seen[0].body).toBe('é');
    await client!.request(`${url}/empty`, { method: 'POST' });
    expect(seen[1].headers['content-length']).toBe('0');
    const injected = await rejection(client!.request(url, { headers: { 'x-evil': 'a\r\nX-Injected: 1' } }));
    expect(injected).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_CHAR' });
    expect(seen).toHaveLength(2);
  });

  it('connects to an IPv6 literal and sends its bracketed Host', async () => {
    const url = await serve((socket) => socket.write(answer(200, 'v6')), '::1');
    expect(url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    expect((await client!.request(`${url}/six`)).body).toBe('v6');
    expect(seen[0].headers.host).toBe(`[::1]:${server!.port}`);
  });

  it('decodes gzip, deflate and br, and applies the size cap to the decoded body', async () => {
    const text = 'compressed '.repeat(200);
    const url = await serve((socket, req) => {
      const coding = req.path.slice(1);
      const body = coding === 'gzip' ? gzipSync(text) : coding === 'deflate' ? deflateSync(text) : brotliCompressSync(text);
      socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: ${coding}\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body);
    });
    for (const coding of ['gzip', 'deflate', 'br']) expect((await client!.request(`${url}/${coding}`)).body).toBe(text);
    const err = await rejection(client!.request(`${url}/gzip`, { maxBodyBytes: 1000 }));
    expect(err).toBeInstanceOf(HttpBodyError);
    expect((err as HttpBodyError).tooLarge).toBe(true);
  });

  it('with maxSockets 1, queues requests on one connection; a queued request can be aborted', async () => {
    const url = await serve((socket, req) => setTimeout(() => socket.write(answer(200, req.path)), 10));
    client!.close();
    client = createHttpClient({ maxSockets: 1 });
    const controller = new AbortController();
    const requests = [client.request(`${url}/a`), client.request(`${url}/b`, { signal: controller.signal }), client.request(`${url}/c`)];
    controller.abort(new Error('not needed'));
    const [a, b, c] = await Promise.allSettled(requests);
    expect(a).toMatchObject({ status: 'fulfilled', value: { body: '/a' } });
    expect(b).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
    expect(c).toMatchObject({ status: 'fulfilled', value: { body: '/c' } });
    expect(seen.map((r) => [r.path, r.connection])).toEqual([
      ['/a', 0],
      ['/c', 0],
    ]);
  });

  it('close() closes idle pooled sockets', async () => {
    const url = await serve((socket) => socket.write(answer(200, 'ok')));
    await client!.request(url);
    client!.close();
    await server!.closedConnection(0);
    expect(server!.connections).toBe(1);
  });

  it('does not send a GET again when the server had begun to answer before the kept-alive socket failed', async () => {
    const url = await serve((socket, req) => {
      if (req.path === '/warm') socket.write(answer(200, 'warm'));
      else {
        socket.write('HTTP/1.1 200 OK\r\nContent-');
        setImmediate(() => socket.destroy());
      }
    });
    await client!.request(`${url}/warm`);
    const err = await rejection(client!.request(`${url}/half`));
    expect(err).toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' });
    expect(err).not.toBeInstanceOf(HttpBodyError);
    expect(seen.map((r) => r.path)).toEqual(['/warm', '/half']);
  });

  it('applies the deadline to a request waiting for a socket (maxSockets)', async () => {
    const url = await serve((socket, req) => {
      if (req.path !== '/hang') socket.write(answer(200, 'late'));
    });
    client!.close();
    client = createHttpClient({ maxSockets: 1 });
    const hanging = client.request(`${url}/hang`, { timeoutMs: 200 });
    const waiting = await rejection(client.request(`${url}/queued`, { timeoutMs: 30 }));
    expect(waiting.name).toBe('TimeoutError');
    expect((await rejection(hanging)).name).toBe('TimeoutError');
    // The socket of the hung exchange was dropped; the next request gets a new one.
    expect((await client.request(`${url}/after`)).body).toBe('late');
    expect(seen.map((r) => [r.path, r.connection])).toEqual([
      ['/hang', 0],
      ['/after', 1],
    ]);
  });
});
