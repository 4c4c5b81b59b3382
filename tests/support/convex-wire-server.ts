/**
 * A loopback HTTP server that speaks the Convex public wire protocol
 * (convex.md §3) in front of the embedded backend's service, so the Convex
 * adapter can be tested with the real `ConvexHttpClient` and real HTTP:
 *
 * - `POST /api/query|mutation|action` with `{path, format: "convex_encoded_json", args: [<encoded>]}`,
 *   and `POST /api/function` with `{path, format, args: <object>}`;
 * - answers `200 {"status":"success","value":<encoded>}` or
 *   `200 {"status":"error","errorMessage":"[Request ID: …] Server Error…","errorData":<encoded>}`;
 * - `service/actions:*` are actions: calling one as a query or mutation gets the backend's
 *   "Trying to execute … as Query, but it is defined as Action." error; unknown paths get
 *   "Could not find public function …";
 * - framework errors (bad JSON, wrong format) are non-200 `{code, message}` bodies.
 *
 * Options mimic production (`redactErrors`: messages become "Server Error") and the
 * hosted Mission Control backend (`plainErrors`: plain `Error`, so no errorData), and
 * `intercept` injects faults (status codes, delays, dropped connections, non-JSON bodies).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { convexToJson, jsonToConvex, type Value } from 'convex/values';
import { BackendError } from '../../core/ports/backend.ts';

export interface WireService {
  call(fn: string, args: unknown): unknown;
}

export type WireFault =
  | { kind: 'status'; status: number; body?: string; contentType?: string }
  | { kind: 'delay'; ms: number }
  | { kind: 'destroy' };

export interface WireRequest {
  endpoint: string;
  path?: string;
  fn?: string;
  args?: unknown;
}

export interface ConvexWireServerOptions {
  /** The backend behind the wire: `service.call(functionName, args)` (the embedded backend's LocalService). */
  service: WireService;
  port?: number;
  /** Production deployments redact error messages to "[Request ID: …] Server Error". */
  redactErrors?: boolean;
  /** Like the hosted Mission Control backend: throw plain Errors (no errorData, so no code). */
  plainErrors?: boolean;
  /** Called before a request is served; return a fault to answer differently. */
  intercept?: (req: WireRequest) => WireFault | undefined | Promise<WireFault | undefined>;
}

export interface ConvexWireServer {
  url: string;
  /** Every request seen, in order (for asserting retries and shapes). */
  requests: WireRequest[];
  close(): Promise<void>;
}

const SERVICE_MODULE = 'service/actions';
const MAX_BODY = 16 * 1024 * 1024;
const KIND_BY_ENDPOINT: Record<string, string> = { '/api/query': 'Query', '/api/mutation': 'Mutation', '/api/action': 'Action' };

export async function startConvexWireServer(options: ConvexWireServerOptions): Promise<ConvexWireServer> {
  const requests: WireRequest[] = [];
  const server = createServer((req, res) => {
    handle(req, res, options, requests).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { code: 'InternalServerError', message: String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: ConvexWireServerOptions, requests: WireRequest[]): Promise<void> {
  const endpoint = new URL(req.url ?? '/', 'http://localhost').pathname;
  const body = await readBody(req);
  if (body === undefined) return sendJson(res, 413, { code: 'PayloadTooLarge', message: 'request body too large' });

  let parsed: { path?: unknown; format?: unknown; args?: unknown } | undefined;
  try {
    parsed = body.length ? (JSON.parse(body) as typeof parsed) : undefined;
  } catch {
    parsed = undefined;
  }
  const path = typeof parsed?.path === 'string' ? canonicalPath(parsed.path) : undefined;
  const fn = path?.startsWith(`${SERVICE_MODULE}:`) ? path.slice(SERVICE_MODULE.length + 1) : undefined;
  const record: WireRequest = { endpoint, path, fn };
  requests.push(record);

  const fault = await options.intercept?.(record);
  if (fault?.kind === 'destroy') {
    res.socket?.destroy();
    return;
  }
  if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
  if (fault?.kind === 'status') {
    res.writeHead(fault.status, { 'Content-Type': fault.contentType ?? 'application/json' });
    res.end(fault.body ?? JSON.stringify({ code: 'InternalServerError', message: 'injected failure' }));
    return;
  }
  if (res.destroyed) return;

  const isUdfEndpoint = endpoint in KIND_BY_ENDPOINT;
  if (req.method !== 'POST' || (!isUdfEndpoint && endpoint !== '/api/function')) {
    return sendJson(res, 404, { code: 'NotFound', message: `No route for ${req.method} ${endpoint}` });
  }
  if (!parsed || path === undefined) return sendJson(res, 400, { code: 'BadJsonBody', message: 'Failed to parse request body' });
  if (parsed.format !== 'convex_encoded_json' && parsed.format !== 'json') {
    return sendJson(res, 400, { code: 'BadConvexFormat', message: `Unsupported format ${String(parsed.format)}` });
  }
  let args: unknown;
  try {
    const raw = isUdfEndpoint ? (Array.isArray(parsed.args) ? parsed.args[0] : undefined) : parsed.args;
    args = parsed.format === 'convex_encoded_json' ? jsonToConvex((raw ?? {}) as never) : (raw ?? {});
  } catch (err) {
    return sendJson(res, 400, { code: 'BadConvexValue', message: (err as Error).message });
  }
  record.args = args;

  const requestId = randomBytes(8).toString('hex');
  if (!fn) {
    return sendUdfError(res, requestId, options, `Could not find public function for '${path}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`);
  }
  if (isUdfEndpoint && KIND_BY_ENDPOINT[endpoint] !== 'Action') {
    return sendUdfError(res, requestId, options, `Trying to execute ${SERVICE_MODULE}.js:${fn} as ${KIND_BY_ENDPOINT[endpoint]}, but it is defined as Action.`);
  }
  try {
    const value = options.service.call(fn, args);
    sendJson(res, 200, { status: 'success', value: convexToJson((value ?? null) as Value), logLines: [] });
  } catch (err) {
    if (err instanceof BackendError && err.kind === 'rejected') {
      const data = options.plainErrors ? undefined : { code: err.code ?? 'internal', message: err.message };
      return sendUdfError(res, requestId, options, err.message, data);
    }
    if (err instanceof BackendError) {
      // The store could not answer (e.g. database busy): a 5xx, as when a deployment is overloaded.
      return sendJson(res, 503, { code: 'Overloaded', message: err.message });
    }
    return sendUdfError(res, requestId, options, `Uncaught Error: ${(err as Error).message}`);
  }
}

/** `mod.js:fn` → `mod:fn`; a missing `:fn` means `default` (the backend's canonicalisation). */
function canonicalPath(path: string): string {
  const [module, name] = path.includes(':') ? path.split(':', 2) : [path, 'default'];
  return `${module.replace(/\.js$/, '')}:${name}`;
}

function sendUdfError(res: ServerResponse, requestId: string, options: ConvexWireServerOptions, message: string, data?: Value): void {
  const detail = data !== undefined ? `Uncaught ConvexError: ${JSON.stringify(data)}` : message.startsWith('Uncaught') ? message : `Uncaught Error: ${message}`;
  const errorMessage = options.redactErrors ? `[Request ID: ${requestId}] Server Error` : `[Request ID: ${requestId}] Server Error\n${detail}`;
  sendJson(res, 200, { status: 'error', errorMessage, ...(data !== undefined ? { errorData: convexToJson(data) } : {}), logLines: [] });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
