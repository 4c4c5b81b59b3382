/**
 * Turns one `/v1/responses` HTTP answer into text + tool calls, or a
 * GatewayError. A current gateway has no top-level `output_text`: the text is
 * the `output_text` parts of `message` items; `reasoning` items are the model's
 * private notes and must never reach a thread (openclaw-gateway.md §0.2, §0.5).
 * Anything that is not the OpenResponses JSON shape is an error, never a reply.
 */
import { GatewayError, type GatewayToolCall } from '../../core/ports/gateway.ts';
import { excerpt } from './redact.ts';

export interface ParsedResponse {
  id: string | undefined;
  /** Joined `output_text` parts of message items; null when there are none. */
  text: string | null;
  toolCalls: GatewayToolCall[];
  usage?: { inputTokens: number; outputTokens: number; totalTokens: number };
}

export interface RawAnswer {
  status: number;
  contentType: string | null;
  body: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** `error.message` (and code) of a failed response, shortened. */
function describeError(error: unknown, secrets: readonly (string | undefined)[]): string {
  if (!isObject(error)) return 'no error details';
  const code = typeof error.code === 'string' ? error.code : typeof error.type === 'string' ? error.type : undefined;
  const message = typeof error.message === 'string' ? excerpt(error.message, secrets) : undefined;
  return [code, message].filter(Boolean).join(': ') || 'no error details';
}

function messageText(item: Json): string[] {
  const content = item.content;
  if (typeof content === 'string') return content ? [content] : [];
  if (!Array.isArray(content)) return [];
  const parts: string[] = [];
  for (const part of content) {
    if (isObject(part) && part.type === 'output_text' && typeof part.text === 'string' && part.text) parts.push(part.text);
  }
  return parts;
}

function toolCall(item: Json, index: number): GatewayToolCall {
  const callId = item.call_id;
  const name = item.name;
  if (typeof callId !== 'string' || !callId || typeof name !== 'string' || !name) {
    // Dropping it silently would leave the model waiting for an output it never gets.
    throw new GatewayError('invalid_response', `function_call at output.${index} lacks call_id or name`);
  }
  const args = item.arguments;
  const argumentsText = typeof args === 'string' ? args : args === undefined ? '{}' : JSON.stringify(args);
  return { callId, name, arguments: argumentsText };
}

function usageOf(value: unknown): ParsedResponse['usage'] {
  if (!isObject(value)) return undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const inputTokens = num(value.input_tokens);
  const outputTokens = num(value.output_tokens);
  const total = typeof value.total_tokens === 'number' ? num(value.total_tokens) : inputTokens + outputTokens;
  return { inputTokens, outputTokens, totalTokens: total };
}

/** Non-2xx: a `status:"failed"` body is an answered failed run; anything else is an HTTP error. */
function httpError(answer: RawAnswer, secrets: readonly (string | undefined)[]): GatewayError {
  const json = parseJson(answer.body);
  if (isObject(json) && json.status === 'failed') {
    return new GatewayError('failed', `gateway run failed (HTTP ${answer.status}): ${describeError(json.error, secrets)}`, {
      status: answer.status,
    });
  }
  const detail = isObject(json) && isObject(json.error) ? describeError(json.error, secrets) : excerpt(answer.body, secrets);
  return new GatewayError('http', `gateway returned HTTP ${answer.status}${detail ? `: ${detail}` : ''}`, { status: answer.status });
}

export function parseResponsesAnswer(answer: RawAnswer, secrets: readonly (string | undefined)[] = []): ParsedResponse {
  if (answer.status < 200 || answer.status > 299) throw httpError(answer, secrets);
  const status = answer.status;
  const json = parseJson(answer.body);
  if (!isObject(json)) {
    const type = answer.contentType?.split(';')[0] ?? 'no content type';
    throw new GatewayError('invalid_response', `gateway answered ${status} with a non-JSON body (${type}): ${excerpt(answer.body, secrets, 80)}`, {
      status,
    });
  }
  if (!Array.isArray(json.output)) {
    throw new GatewayError('invalid_response', 'gateway answer has no output[] array', { status });
  }
  const id = typeof json.id === 'string' ? json.id : undefined;
  if (json.status === 'failed' || (json.error !== undefined && json.error !== null)) {
    throw new GatewayError('failed', `gateway run failed: ${describeError(json.error, secrets)}`, { status });
  }
  if (json.status === 'incomplete') {
    const details = isObject(json.incomplete_details) && typeof json.incomplete_details.reason === 'string' ? json.incomplete_details.reason : 'unknown reason';
    throw new GatewayError('incomplete', `gateway response incomplete: ${excerpt(details, secrets, 60)}`, { status });
  }
  if (json.status !== undefined && json.status !== 'completed') {
    // queued / in_progress only happen for background runs, which we never request.
    throw new GatewayError('invalid_response', `gateway answer has unexpected status "${excerpt(String(json.status), secrets, 40)}"`, {
      status,
    });
  }

  const texts: string[] = [];
  const toolCalls: GatewayToolCall[] = [];
  json.output.forEach((item: unknown, index: number) => {
    if (!isObject(item)) throw new GatewayError('invalid_response', `output.${index} is not an object`, { status });
    if (item.type === 'message' && (item.role === undefined || item.role === 'assistant')) texts.push(...messageText(item));
    else if (item.type === 'function_call') toolCalls.push(toolCall(item, index));
    // reasoning, item_reference and future item types are deliberately ignored.
  });
  return { id, text: texts.length > 0 ? texts.join('\n\n') : null, toolCalls, usage: usageOf(json.usage) };
}
