/**
 * A stand-in for `openclaw gateway run` used by the gateway-supervisor tests:
 * a child process that serves `GET /v1/models` (bearer-checked against
 * OPENCLAW_GATEWAY_TOKEN when that is set), writes log lines to stdout and
 * stderr, and can be told to exit.
 *
 *   node tests/support/fake-openclaw-gateway.ts gateway run --port <n> [flags]
 *
 * Flags: --startup-delay-ms <n> (listen only after n ms), --never-ready (answer
 * 503 on /v1/models), --ignore-sigterm (only SIGKILL ends it).
 * Control: `POST /exit?code=<n>` answers 200 and exits with that code.
 * Env: FAKE_GATEWAY_GREETING is echoed on stdout at start (proves env passing).
 */
import { createServer } from 'node:http';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

const port = Number(value('--port'));
if (!Number.isInteger(port) || port <= 0) {
  console.error('fake gateway: --port <n> is required');
  process.exit(2);
}
const token = process.env.OPENCLAW_GATEWAY_TOKEN;
const startupDelayMs = Number(value('--startup-delay-ms') ?? 0);

console.log(`fake gateway starting pid=${process.pid} greeting=${process.env.FAKE_GATEWAY_GREETING ?? '-'}`);
console.error('fake gateway: this line goes to stderr');

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'POST' && url.pathname === '/exit') {
    const code = Number(url.searchParams.get('code') ?? 1);
    res.end('bye');
    console.log(`fake gateway exiting with code ${code} as asked`);
    setImmediate(() => process.exit(code));
    return;
  }
  if (token && req.headers.authorization !== `Bearer ${token}`) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'Unauthorized', type: 'unauthorized' } }));
    return;
  }
  if (req.method === 'GET' && url.pathname === '/v1/models') {
    if (flag('--never-ready')) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'starting', type: 'unavailable' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'openclaw', object: 'model', owned_by: 'openclaw' }] }));
    return;
  }
  res.writeHead(404);
  res.end();
});

setTimeout(() => {
  server.listen(port, '127.0.0.1', () => console.log(`fake gateway listening on 127.0.0.1:${port}`));
}, startupDelayMs);

process.on('SIGTERM', () => {
  if (flag('--ignore-sigterm')) {
    console.log('fake gateway ignoring SIGTERM');
    return;
  }
  console.log('fake gateway received SIGTERM, shutting down');
  server.close();
  process.exit(0);
});
