/**
 * The tool executor: the one path every tool call takes, whether it came from
 * a model turn (function call) or from the HTTP fallback.
 *
 *   parse → known tool? → offered to this agent here? → valid for the schema?
 *   → allowed for this agent here (narrowed schema)? → beforeToolCall (rewrite/block)
 *   → execute → afterToolCall → structured result
 *
 * It never throws for anything a caller or a tool did: every failure becomes a
 * `{ success: false, error }` result the model can act on, plus a reason and
 * code the HTTP fallback maps to a status.
 */
import type { TSchema } from 'typebox';
import type { Logger } from 'pino';
import { isBackendError, type BackendErrorCode, type BackendPort } from '../ports/backend.ts';
import type { AgentWithSession } from '../ports/domain.ts';
import type { FunctionToolSpec, ToolCallExecutor } from '../ports/gateway.ts';
import type { HookFacades } from '../hook-facade.ts';
import type { ToolCallOutcomeEvent } from '../hooks.ts';
import type { MetricsApi } from '../metrics.ts';
import { ToolArgumentError, ToolRefusal } from './errors.ts';
import { parseArguments, validateArguments } from './validate.ts';
import { canonicalArgs } from './canonical.ts';
import type { ToolCallKey, ToolCallLedger } from '../ports/tool-ledger.ts';
import { toolEffect, toolHttpPath, type RegisteredTool, type ToolAvailabilityContext, type ToolContext, type ToolRegistry, type ToolResult } from './registry.ts';

export type ToolOutcome = ToolCallOutcomeEvent['outcome'];

/** Why a call failed, finer than the outcome; the HTTP fallback maps it to a status. */
export type ToolFailureReason =
  | 'unknown_tool'
  | 'not_offered'
  | 'invalid_arguments'
  | 'not_allowed'
  | 'blocked'
  | 'refused'
  | 'backend_unavailable'
  | 'cancelled'
  | 'tool_error';

export interface ToolExecution {
  /** The name as called (may be unknown). */
  tool: string;
  outcome: ToolOutcome;
  /** Set when `outcome` is not `ok`. */
  reason?: ToolFailureReason;
  /** What the model (or HTTP caller) gets; send `JSON.stringify(result)` as the function_call_output. */
  result: ToolResult;
  /** Refusal code (backend or tool), for status mapping. */
  code?: BackendErrorCode;
  /** Parameter at fault for `invalid_arguments`. */
  field?: string;
  durationMs: number;
}

/** Who calls, with what rights, for one run. Reuse the same object for a run: slug lookups are cached per object. */
export interface ToolCallContext extends ToolAvailabilityContext {
  signal?: AbortSignal;
  /** Wakes the delivery loop after a call that creates notifications. */
  notifyWork?: () => void;
  /**
   * Mutating calls already executed in this scope (one notification, or one run):
   * a repeated call gets the recorded result and does not run again. Without a
   * ledger every call runs.
   */
  ledger?: ToolCallLedger;
}

export interface ToolExecutorOptions {
  tools: Pick<ToolRegistry, 'get' | 'list'>;
  hooks: Pick<HookFacades, 'beforeToolCall' | 'afterToolCall'>;
  backend: BackendPort;
  logger: Logger;
  metrics?: MetricsApi;
}

export type CapabilityMode = 'tools' | 'http';

export interface ToolExecutor {
  /** Tools offered to this agent in this context, in registration order. */
  offered(ctx: ToolAvailabilityContext): RegisteredTool[];
  /** The schema a tool is offered with (and validated against) here. */
  parametersFor(tool: RegisteredTool, ctx: ToolAvailabilityContext): TSchema;
  /**
   * OpenResponses function tools (flat form) for the gateway. The same offer (the same tools with
   * the same schemas) is the same frozen array, so a gateway client can serialise it once.
   */
  functionTools(ctx: ToolAvailabilityContext): readonly FunctionToolSpec[];
  /** One prompt line per offered tool; `http` mode names the fallback route under `baseUrl`. */
  capabilityLines(ctx: ToolAvailabilityContext, mode: CapabilityMode, baseUrl?: string): string[];
  /** Runs one call. Never rejects. */
  execute(ctx: ToolCallContext, name: string, rawArgs: unknown): Promise<ToolExecution>;
  /** Adapter for `GatewayPort.runAgentTurn({ executeTool })`: returns the JSON result string. */
  gatewayExecutor(ctx: ToolCallContext): ToolCallExecutor;
}

/** Refusal messages from a backend can be long; the model needs the gist. */
const MAX_ERROR_LENGTH = 500;

const OUTCOME_OF: Record<ToolFailureReason, ToolOutcome> = {
  unknown_tool: 'unavailable',
  not_offered: 'unavailable',
  invalid_arguments: 'invalid',
  not_allowed: 'refused',
  blocked: 'blocked',
  refused: 'refused',
  backend_unavailable: 'error',
  cancelled: 'error',
  tool_error: 'error',
};

/**
 * Deep-frozen copies of parameter schemas: by schema object, and by content for schemas a tool
 * narrows per call (`parametersFor` builds a new object each time, from a handful of variants).
 * A run offers the same tools again and again; copying them per run was measurable per notification.
 */
const frozenBySchema = new WeakMap<object, Record<string, unknown>>();
const frozenByContent = new Map<string, Record<string, unknown>>();
const MAX_CONTENT_VARIANTS = 512;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Small ids for object identities (tool definitions, frozen schemas): the key of an offer. */
const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;
function idOf(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return id;
}

/** Offers seen (agents × capability variants: a handful in practice); the cap guards the rest. */
const MAX_OFFERS = 256;

function frozenCopy(schema: TSchema): Record<string, unknown> {
  let copy = frozenBySchema.get(schema);
  if (copy) return copy;
  // JSON is what the copy is for (it is serialised into the request); symbol keys drop out either way.
  const json = JSON.stringify(schema);
  copy = frozenByContent.get(json);
  if (!copy) {
    copy = deepFreeze(JSON.parse(json) as Record<string, unknown>);
    if (frozenByContent.size >= MAX_CONTENT_VARIANTS) frozenByContent.clear();
    frozenByContent.set(json, copy);
  }
  frozenBySchema.set(schema, copy);
  return copy;
}

function short(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_ERROR_LENGTH ? `${oneLine.slice(0, MAX_ERROR_LENGTH - 1)}…` : oneLine;
}

function isOffered(tool: RegisteredTool, ctx: ToolAvailabilityContext, logger: Logger): boolean {
  try {
    return tool.definition.availability(ctx) === true;
  } catch (err) {
    // A broken availability rule hides the tool rather than crashing a run.
    logger.error({ tool: tool.definition.name, err }, 'tool availability check threw; tool not offered');
    return false;
  }
}

export function createToolExecutor(options: ToolExecutorOptions): ToolExecutor {
  const { tools, hooks, backend, logger } = options;
  /** functionTools' arrays by offer (see there). */
  const offers = new Map<string, readonly FunctionToolSpec[]>();
  const calls = options.metrics?.counter({
    name: 'runtime_tool_calls_total',
    help: 'Agent tool calls by tool, outcome and path (gateway function call or HTTP fallback)',
    labelNames: ['tool', 'outcome', 'via'],
  });
  const duration = options.metrics?.histogram({
    name: 'runtime_tool_call_duration_seconds',
    help: 'Duration of agent tool calls, hooks included',
    labelNames: ['tool', 'outcome', 'via'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  // Agent roster per run context: slug resolution costs one listAgents call per run at most.
  const rosters = new WeakMap<object, Promise<AgentWithSession[]>>();

  function roster(key: object): Promise<AgentWithSession[]> {
    let pending = rosters.get(key);
    if (!pending) {
      pending = backend.listAgents();
      rosters.set(key, pending);
      pending.catch(() => rosters.delete(key));
    }
    return pending;
  }

  async function resolveAgentSlugs(key: object, slugs: string[]): Promise<{ ids: string[]; unknown: string[] }> {
    const agents = await roster(key);
    const bySlug = new Map(agents.map((a) => [a.slug.toLowerCase(), a._id]));
    const ids: string[] = [];
    const unknown: string[] = [];
    for (const raw of slugs) {
      const slug = raw.trim().replace(/^@/, '').toLowerCase();
      const id = bySlug.get(slug);
      if (id === undefined) unknown.push(raw);
      else if (!ids.includes(id)) ids.push(id);
    }
    return { ids, unknown };
  }

  function parametersFor(tool: RegisteredTool, ctx: ToolAvailabilityContext): TSchema {
    return tool.definition.parametersFor?.(ctx) ?? tool.definition.parameters;
  }

  function offered(ctx: ToolAvailabilityContext): RegisteredTool[] {
    return tools.list().filter((t) => isOffered(t, ctx, logger));
  }

  async function run(ctx: ToolCallContext, cacheKey: object, name: string, rawArgs: unknown): Promise<ToolExecution> {
    const started = performance.now();
    const registered = typeof name === 'string' ? tools.get(name) : undefined;
    const label = registered ? registered.definition.name : 'unknown';
    let params: Record<string, unknown> = {};

    const finish = async (execution: Omit<ToolExecution, 'durationMs' | 'tool'>): Promise<ToolExecution> => {
      const durationMs = performance.now() - started;
      const done: ToolExecution = { tool: String(name), ...execution, durationMs };
      calls?.inc({ tool: label, outcome: done.outcome, via: ctx.subject.via });
      duration?.observe({ tool: label, outcome: done.outcome, via: ctx.subject.via }, durationMs / 1000);
      logger.debug(
        { tool: label, via: ctx.subject.via, agent: ctx.subject.agentSlug, outcome: done.outcome, reason: done.reason, ms: Math.round(durationMs) },
        'tool call',
      );
      await hooks.afterToolCall.call({
        tool: String(name),
        params,
        subject: ctx.subject,
        outcome: done.outcome,
        result: done.result,
        durationMs,
      });
      return done;
    };
    const fail = (reason: ToolFailureReason, error: string, extra: Partial<ToolExecution> & { resultExtra?: Record<string, unknown> } = {}) => {
      const { resultExtra, ...rest } = extra;
      return finish({ outcome: OUTCOME_OF[reason], reason, result: { success: false, error, ...resultExtra }, ...rest });
    };

    if (!registered) return fail('unknown_tool', `Unknown tool: ${short(String(name))}`);
    const tool = registered.definition;
    if (!isOffered(registered, ctx, logger)) {
      return fail('not_offered', `Tool ${tool.name} is not available to this agent in this context`);
    }

    const parsed = parseArguments(rawArgs);
    if (!parsed.ok) return fail('invalid_arguments', parsed.message, { field: '', resultExtra: { field: '' } });
    const full = validateArguments(tool.parameters, parsed.value);
    if (!full.ok) return fail('invalid_arguments', full.message, { field: full.field, resultExtra: { field: full.field } });
    const narrowed = parametersFor(registered, ctx);
    if (narrowed !== tool.parameters) {
      const here = validateArguments(narrowed, full.value);
      if (!here.ok) {
        const detail = here.message.replace(/^invalid arguments: /, '');
        return fail('not_allowed', `Forbidden: not allowed for this agent in this context: ${detail}`, {
          code: 'forbidden',
          field: here.field,
          resultExtra: { field: here.field },
        });
      }
    }
    params = full.value;

    const event = await hooks.beforeToolCall.call({ tool: tool.name, params, subject: ctx.subject });
    if (event.block) return fail('blocked', `Blocked: ${short(event.block.reason)}`);
    if (event.params !== params) {
      // A hook rewrote the arguments: they must still be valid here.
      const again = validateArguments(narrowed, event.params);
      if (!again.ok) return fail('invalid_arguments', again.message, { field: again.field, resultExtra: { field: again.field } });
      params = again.value;
    }

    if (ctx.signal?.aborted) return fail('cancelled', 'cancelled: the run ended before the tool ran');
    const ledgerKey: ToolCallKey | undefined = ctx.ledger && toolEffect(tool) === 'mutating' ? { tool: tool.name, args: canonicalArgs(params) } : undefined;
    if (ledgerKey) {
      let recorded: ToolResult | undefined;
      try {
        recorded = ctx.ledger!.lookup(ledgerKey);
      } catch (err) {
        // Running it without a record (unreadable, or a full / read-only disk) could repeat its
        // effect on the next attempt: refuse, the model may try again.
        logger.error({ tool: tool.name, err }, 'tool-call ledger cannot read or record this call; mutating call refused');
        return fail('backend_unavailable', 'the runtime could not check or record whether this call already ran; try again later', { resultExtra: { retryable: true } });
      }
      if (recorded) {
        logger.info(
          { tool: tool.name, agent: ctx.subject.agentSlug, notificationId: ctx.subject.notificationId, via: ctx.subject.via },
          'tool call replayed: the same call already ran for this notification; its recorded result is returned and nothing runs again',
        );
        return finish({ outcome: 'replayed', result: recorded });
      }
    }
    const toolCtx: ToolContext = {
      subject: ctx.subject,
      capabilities: ctx.capabilities,
      backend,
      logger: logger.child({ tool: tool.name }),
      signal: ctx.signal,
      resolveAgentSlugs: (slugs) => resolveAgentSlugs(cacheKey, slugs),
      notifyWork: () => ctx.notifyWork?.(),
    };
    try {
      const result = await tool.execute(toolCtx, params);
      if (typeof result !== 'object' || result === null || typeof result.success !== 'boolean') {
        logger.error({ tool: tool.name }, 'tool returned a malformed result');
        return fail('tool_error', `internal error in tool ${tool.name}`);
      }
      if (!result.success) {
        return finish({ outcome: 'refused', reason: 'refused', result: { ...result, error: short(String(result.error ?? 'refused')) } });
      }
      if (ledgerKey) {
        try {
          ctx.ledger!.record(ledgerKey, result);
        } catch (err) {
          logger.error({ tool: tool.name, err }, 'tool-call ledger write failed; a repeated call would run again');
        }
      }
      return finish({ outcome: 'ok', result });
    } catch (err) {
      if (err instanceof ToolArgumentError) return fail('invalid_arguments', `invalid arguments: ${short(err.message)}`, { field: err.field, resultExtra: { field: err.field } });
      if (err instanceof ToolRefusal) return fail('refused', short(err.message), { code: err.code });
      if (isBackendError(err)) {
        if (err.transient) return fail('backend_unavailable', 'backend unavailable, try again later', { resultExtra: { retryable: true } });
        return fail('refused', short(err.message || 'refused by the backend'), { code: err.code });
      }
      if (ctx.signal?.aborted) return fail('cancelled', 'cancelled: the run ended while the tool ran');
      logger.error({ tool: tool.name, err }, 'tool threw');
      return fail('tool_error', `internal error in tool ${tool.name}`);
    }
  }

  return {
    offered,
    parametersFor,
    functionTools(ctx) {
      const tools = offered(ctx);
      // A frozen copy per schema (callers serialise it and must not reach into the definition).
      const parameters = tools.map((t) => frozenCopy(parametersFor(t, ctx)));
      let key = '';
      for (let i = 0; i < tools.length; i++) key += `${idOf(tools[i].definition)}:${idOf(parameters[i])},`;
      let specs = offers.get(key);
      if (!specs) {
        specs = Object.freeze(
          tools.map((t, i) => Object.freeze({ type: 'function' as const, name: t.definition.name, description: t.definition.description, parameters: parameters[i] })),
        );
        if (offers.size >= MAX_OFFERS) offers.clear();
        offers.set(key, specs);
      }
      return specs;
    },
    capabilityLines(ctx, mode, baseUrl = '') {
      const base = baseUrl.replace(/\/+$/, '');
      return offered(ctx).map((t) =>
        mode === 'tools'
          ? `${t.definition.capability} (${t.definition.name} tool)`
          : `${t.definition.capability}: POST ${base}${toolHttpPath(t.definition.name)}`,
      );
    },
    execute(ctx, name, rawArgs) {
      return run(ctx, ctx, name, rawArgs);
    },
    gatewayExecutor(ctx) {
      const cacheKey = {};
      return async (call, _round, signal) => {
        const merged = signal && ctx.signal ? AbortSignal.any([ctx.signal, signal]) : (signal ?? ctx.signal);
        const execution = await run(merged === ctx.signal ? ctx : { ...ctx, signal: merged }, cacheKey, call.name, call.arguments);
        return JSON.stringify(execution.result);
      };
    },
  };
}
