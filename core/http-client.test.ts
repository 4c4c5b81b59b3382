/**
 * The keep-alive HTTP client of the hot paths, against a loopback server that
 * misbehaves on request: what callers classify on (error before/after the
 * headers, deadline, size cap) and what fetch did for them (connection reuse,
 * decoded bodies, no redirects).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient, HttpBodyError, isHttpTimeout, type HttpClient } from './http-client.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

let server: http.Server;
let base: string;
let handler: Handler;
let client: HttpClient;
const sockets = new Set<unknown>();

beforeEach(async () => {
  sockets.clear();
  server = http.createServer((req, res) => {
    sockets.add(req.socket);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = createHttpClient();
});

afterEach(async () => {
  client.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (err: Error) => err,
  );
}

describe('createHttpClient', () => {
  it('sends method, headers and body, and reuses one connection for sequential requests', async () => {
    const seen: string[] = [];
    handler = (req, res, body) => {
      seen.push(`${req.method} ${req.url} ${req.headers['content-type']} ${req.headers['content-length']} ${body}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ echo: body }));
    };
    const a = await client.request(`${base}/api/action?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"é":1}' });
    const b = await client.request(`${base}/api/action?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(a).toMatchObject({ status: 200, body: '{"echo":"{\\"é\\":1}"}' });
    expect(a.headers['content-type']).toBe('application/json');
    expect(b.body).toBe('{"echo":"{}"}');
    expect(seen).toEqual(['POST /api/action?x=1 application/json 8 {"é":1}', 'POST /api/action?x=1 application/json 2 {}']);
    expect(sockets.size).toBe(1);
  });

  it('sends a body given as bytes (a Buffer, a view into a larger one, an empty one) with its exact Content-Length', async () => {
    const seen: string[] = [];
    handler = (req, res, body) => {
      seen.push(`${req.headers['content-length']} ${body}${req.headers['x-name'] ? ` ${req.headers['x-name']}` : ''}`);
      res.end('ok');
    };
    const backing = Buffer.from('xx{"naïve":"日本"}yy');
    await client.request(`${base}/a`, { method: 'POST', body: Buffer.from('{"naïve":"日本"}') });
    await client.request(`${base}/a`, { method: 'POST', body: backing.subarray(2, backing.length - 2) });
    await client.request(`${base}/a`, { method: 'POST', body: new Uint8Array(0) });
    await client.request(`${base}/a`, { method: 'POST', headers: { 'x-name': 'Zoë' }, body: 'ü' });
    expect(seen).toEqual(['19 {"naïve":"日本"}', '19 {"naïve":"日本"}', '0 ', '2 ü Zoë']);
  });

  it('does not follow redirects and decodes a gzip body', async () => {
    handler = (req, res) => {
      if (req.url === '/moved') {
        res.writeHead(302, { location: '/elsewhere' }).end();
        return;
      }
      res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('zipped text'));
    };
    expect((await client.request(`${base}/moved`)).status).toBe(302);
    expect((await client.request(`${base}/zipped`)).body).toBe('zipped text');
  });

  it('rethrows a failure before the headers as it is (refused connection)', async () => {
    const url = base;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const err = await rejection(client.request(`${url}/`));
    expect(err).not.toBeInstanceOf(HttpBodyError);
    expect((err as { code?: string }).code).toBe('ECONNREFUSED');
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  it('reports a connection lost after the headers as a body failure with the status', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const err = await rejection(client.request(`${base}/`));
    expect(err).toBeInstanceOf(HttpBodyError);
    expect((err as HttpBodyError).status).toBe(200);
    expect((err as HttpBodyError).tooLarge).toBe(false);
  });

  it('sends a GET once more when a kept-alive socket fails before any answer; never a POST', async () => {
    let drops = 0;
    handler = (req, res) => {
      if (req.url === '/drop-once' && drops === 0) {
        drops++;
        req.socket.destroy();
        return;
      }
      res.end('fine');
    };
    await client.request(`${base}/warm`);
    expect((await client.request(`${base}/drop-once`)).body).toBe('fine');
    expect(drops).toBe(1);

    drops = 0;
    await client.request(`${base}/warm`, { method: 'POST', body: '{}' });
    const err = await rejection(client.request(`${base}/drop-once`, { method: 'POST', body: '{}' }));
    expect((err as { code?: string }).code).toBe('ECONNRESET');
    expect(drops).toBe(1);
  });

  it('refuses a body over the cap', async () => {
    handler = (_req, res) => res.end('x'.repeat(5000));
    const err = await rejection(client.request(`${base}/`, { maxBodyBytes: 1000 }));
    expect(err).toBeInstanceOf(HttpBodyError);
    expect((err as HttpBodyError).tooLarge).toBe(true);
  });

  it('applies its deadline before and after the headers', async () => {
    handler = (req, res) => {
      if (req.url === '/slow-body') {
        res.writeHead(200);
        res.write('started');
      }
      // /silent: never answers
    };
    const silent = await rejection(client.request(`${base}/silent`, { timeoutMs: 50 }));
    expect(silent).not.toBeInstanceOf(HttpBodyError);
    expect(isHttpTimeout(silent)).toBe(true);
    const slow = await rejection(client.request(`${base}/slow-body`, { timeoutMs: 50 }));
    expect(slow).toBeInstanceOf(HttpBodyError);
    expect(isHttpTimeout(slow)).toBe(true);
  });

  it('aborts with the caller signal; a lost connection is not a timeout', async () => {
    handler = () => undefined;
    const controller = new AbortController();
    const pending = client.request(`${base}/`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller gave up')), 20);
    const err = await rejection(pending);
    expect(err.name).toBe('AbortError');
    expect(isHttpTimeout(err)).toBe(false);
    const already = await rejection(client.request(`${base}/`, { signal: AbortSignal.abort() }));
    expect(already.name).toBe('AbortError');
    // Several signals: the first that aborts ends the exchange, with its reason.
    const first = new AbortController();
    const second = new AbortController();
    const both = client.request(`${base}/`, { signal: [first.signal, undefined, second.signal] });
    setTimeout(() => second.abort(new Error('the second one')), 20);
    const err2 = await rejection(both);
    expect(err2.name).toBe('AbortError');
    expect((err2.cause as Error).message).toBe('the second one');
  });
});
