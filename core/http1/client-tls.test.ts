/**
 * https through the raw client: a loopback TLS server with a self-signed
 * certificate made for the test (openssl), verified against that certificate
 * as the CA, with SNI; and the proxy fallback (NODE_USE_ENV_PROXY=1) going
 * through node:http's agent as before.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, HttpBodyError } from '../http-client.ts';

let dir: string;
let cert: string;
let key: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'http1-tls-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=localhost'].concat([
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ]),
    { stdio: 'ignore' },
  );
  cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  key = readFileSync(path.join(dir, 'key.pem'), 'utf8');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function stop(server: http.Server | https.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('https', () => {
  it('verifies the server against the given CA, sends SNI for a name (not for an address), and reuses the TLS connection', async () => {
    const sni: Array<string | false | null> = [];
    let connections = 0;
    const server = https.createServer({ cert, key }, (req, res) => {
      sni.push((req.socket as TLSSocket).servername);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, secure: true }));
    });
    server.on('secureConnection', () => connections++);
    const port = await listen(server);
    const client = createHttpClient({ tls: { ca: cert } });
    try {
      const a = await client.request(`https://localhost:${port}/one`, { method: 'POST', body: '{}' });
      expect(JSON.parse(a.body)).toEqual({ path: '/one', secure: true });
      await client.request(`https://localhost:${port}/two`);
      expect(connections).toBe(1);
      await client.request(`https://127.0.0.1:${port}/by-address`);
      expect(sni).toEqual(['localhost', 'localhost', false]);
    } finally {
      client.close();
      await stop(server);
    }
  });

  it('refuses a certificate it cannot verify, before any answer (not a body failure)', async () => {
    const server = https.createServer({ cert, key }, (_req, res) => res.end('should not be read'));
    const port = await listen(server);
    const client = createHttpClient();
    try {
      const err = await client.request(`https://localhost:${port}/`).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err).toBeDefined();
      expect(err).not.toBeInstanceOf(HttpBodyError);
      expect((err as { code?: string }).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    } finally {
      client.close();
      await stop(server);
    }
  });
});

describe('NODE_USE_ENV_PROXY=1', () => {
  it('sends requests through HTTP_PROXY with node:http, as before', async () => {
    const proxied: string[] = [];
    const proxy = http.createServer((req, res) => {
      proxied.push(`${req.method} ${req.url}`);
      res.end('from the proxy');
    });
    const port = await listen(proxy);
    const saved = { use: process.env.NODE_USE_ENV_PROXY, proxy: process.env.HTTP_PROXY };
    process.env.NODE_USE_ENV_PROXY = '1';
    process.env.HTTP_PROXY = `http://127.0.0.1:${port}`;
    const client = createHttpClient();
    try {
      const res = await client.request('http://backend.invalid:3210/api/action', { method: 'POST', body: '{}' });
      expect(res.body).toBe('from the proxy');
      expect(proxied).toEqual(['POST http://backend.invalid:3210/api/action']);
    } finally {
      client.close();
      for (const [k, v] of [
        ['NODE_USE_ENV_PROXY', saved.use],
        ['HTTP_PROXY', saved.proxy],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await stop(proxy);
    }
  });
});
