/**
 * The HTTP fallback routes, in one encapsulated fastify scope under /agent:
 * its own JSON parser (any content type, size-limited, empty body = {}), its
 * own error handler (no 5xx for bad input), the caller allowlist and token
 * auth before any body is read, and ONE parametric route that looks the tool
 * up in the registry at request time, so tools of plugins loaded after this
 * one are served too.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { isBackendError, type BackendPort } from '../../core/ports/backend.ts';
import type { RunTokenService } from '../../core/ports/run-tokens.ts';
import type { ToolCallLedger } from '../../core/ports/tool-ledger.ts';
import type { ToolCallSubject } from '../../core/hooks.ts';
import type { ToolExecutor } from '../../core/tools/executor.ts';
import { toolHttpPath, toolNameFromRoute, type AgentCapabilities, type ToolRegistry } from '../../core/tools/registry.ts';
import type { CallerAllowlist } from './allowlist.ts';
import { authenticateSessionKey } from './legacy-auth.ts';
import { buildOpenApi } from './openapi.ts';
import { statusForExecution } from './status.ts';

export interface AgentRoutesOptions {
  tools: Pick<ToolRegistry, 'get' | 'list'>;
  executor: ToolExecutor;
  tokens: RunTokenService;
  allowlist: CallerAllowlist;
  backend: BackendPort;
  logger: Logger;
  bodyLimitBytes: number;
  legacySessionKeyAuth: boolean;
  accountId: string | undefined;
  baseUrl: () => string;
  version: string;
}

interface Caller {
  subject: ToolCallSubject;
  capabilities: AgentCapabilities;
  /** Run-token callers: mutating calls already made in the run (exactly-once effects). */
  ledger?: ToolCallLedger;
}

const TOKEN_ERRORS: Record<string, string> = {
  missing: 'Missing run token: send "Authorization: Bearer <run token>" as given in your instructions',
  malformed: 'Invalid run token',
  invalid: 'Invalid run token',
  expired: 'Run token expired: this run is over',
  revoked: 'Run token revoked: this run is over',
};

function bearer(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const alt = request.headers['x-mc-run-token'];
  return typeof alt === 'string' && alt ? alt.trim() : undefined;
}

function sendError(reply: FastifyReply, status: number, error: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).type('application/json').send({ success: false, error, ...extra });
}

export function agentRoutes(options: AgentRoutesOptions) {
  const callers = new WeakMap<FastifyRequest, Caller>();

  async function authenticate(request: FastifyRequest): Promise<Caller | { status: number; error: string }> {
    const token = bearer(request);
    if (token !== undefined || !options.legacySessionKeyAuth) {
      const verified = options.tokens.verify(token);
      if (!verified.ok) return { status: 401, error: TOKEN_ERRORS[verified.reason] };
      const c = verified.claims;
      const subject: ToolCallSubject = { agentId: c.agentId, agentSlug: c.agentSlug, via: 'http' };
      if (c.taskId !== undefined) subject.taskId = c.taskId;
      if (c.notificationId !== undefined) subject.notificationId = c.notificationId;
      return { subject, capabilities: c.capabilities, ledger: verified.ledger };
    }
    const key = request.headers['x-openclaw-session-key'];
    if (typeof key !== 'string' || !key) return { status: 401, error: TOKEN_ERRORS.missing };
    const legacy = await authenticateSessionKey(options.backend, key, options.accountId);
    if (!legacy.ok) return { status: 401, error: legacy.error };
    options.logger.debug({ agent: legacy.subject.agentSlug }, 'agent call authenticated by legacy session key');
    return { subject: legacy.subject, capabilities: legacy.capabilities };
  }

  return async function routes(scope: FastifyInstance): Promise<void> {
    // Agents post with curl or web_fetch and do not always set a content type: every body is JSON here.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: options.bodyLimitBytes }, (_request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        done(Object.assign(new Error('Malformed JSON body'), { statusCode: 400, code: 'MC_MALFORMED_JSON' }), undefined);
      }
    });

    scope.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 413, `Request body too large (limit ${options.bodyLimitBytes} bytes)`);
      if (err.code === 'MC_MALFORMED_JSON') return sendError(reply, 400, 'Malformed JSON body: send one JSON object', { field: '' });
      const status = err.statusCode ?? 500;
      if (status >= 400 && status < 500) return sendError(reply, status, err.message.slice(0, 300));
      if (isBackendError(err) && err.transient) {
        return sendError(reply.header('retry-after', '5'), 503, 'backend unavailable, try again later', { retryable: true });
      }
      request.log.error({ err }, 'agent endpoint failed');
      return sendError(reply, 500, 'internal error');
    });
    scope.setNotFoundHandler((_request, reply) => sendError(reply, 404, 'Not found: agent endpoints are POST /agent/<tool-name>'));

    scope.addHook('onRequest', async (request, reply) => {
      // The socket address, not request.ip: a trustProxy setting must not let X-Forwarded-For in.
      const address = request.socket?.remoteAddress ?? request.ip;
      if (!options.allowlist.isAllowed(address)) {
        return sendError(reply, 403, 'Forbidden: agent endpoints accept loopback callers only (see allowedCidrs)');
      }
      if (request.method !== 'POST') return;
      const caller = await authenticate(request);
      if ('status' in caller) return sendError(reply, caller.status, caller.error);
      callers.set(request, caller);
    });

    scope.get('/openapi.json', async () =>
      buildOpenApi(options.tools.list(), { baseUrl: options.baseUrl(), version: options.version, bodyLimitBytes: options.bodyLimitBytes }),
    );

    scope.post<{ Params: { tool: string } }>('/:tool', { bodyLimit: options.bodyLimitBytes }, async (request, reply) => {
      const caller = callers.get(request)!;
      const name = toolNameFromRoute(request.params.tool);
      // Only the canonical dashed route names a tool (task-status, not task_status).
      if (!options.tools.get(name) || toolHttpPath(name) !== `/agent/${request.params.tool}`) {
        return sendError(reply, 404, `Unknown tool: no endpoint /agent/${request.params.tool.slice(0, 100)}`);
      }
      const execution = await options.executor.execute({ subject: caller.subject, capabilities: caller.capabilities, ledger: caller.ledger }, name, request.body ?? {});
      const status = statusForExecution(execution);
      if (status === 503) reply.header('retry-after', '5');
      return reply.code(status).send(execution.result);
    });

    scope.route({
      method: ['GET', 'PUT', 'PATCH', 'DELETE'],
      url: '/:tool',
      handler: async (_request, reply) => sendError(reply.header('allow', 'POST'), 405, 'Method not allowed: use POST'),
    });
  };
}
