/**
 * What the agent's final text means (original-runtime.md §4.3 steps 5–8), applied
 * to the text after all tool rounds. `NO` is a legitimate answer and is posted.
 */
export type ReplyKind =
  | { kind: 'reply'; text: string }
  | { kind: 'heartbeat_ok' }
  | { kind: 'declined' }
  | { kind: 'no_response'; reason: 'empty' | 'placeholder' | 'declined where a reply is required' };

/** The gateway's own silent token; on /v1/responses it makes the gateway answer 500, so we never ask for it. */
const STRAY_SILENT = /^(?:NO_REPLY|NO_)$/i;
const PLACEHOLDERS = new Set(['no response from openclaw.', 'no reply from agent.', 'no response from agent.']);
const LOADING_LINE = /^Loading context for heartbeat(?:\.\.\.)?$/i;

export function isHeartbeatOk(text: string): boolean {
  const lines = text.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0 || lines[lines.length - 1] !== 'HEARTBEAT_OK') return false;
  return lines.slice(0, -1).every((l) => LOADING_LINE.test(l));
}

function isPlaceholder(text: string): boolean {
  const withoutMentions = text.replace(/^(?:@[\w-]+\s*)+/, '').trim().toLowerCase();
  return PLACEHOLDERS.has(withoutMentions);
}

export function classifyReply(text: string | null, options: { silentToken: string; mayDecline: boolean }): ReplyKind {
  const trimmed = (text ?? '').trim();
  if (!trimmed) return { kind: 'no_response', reason: 'empty' };
  if (isHeartbeatOk(trimmed)) return { kind: 'heartbeat_ok' };
  const silent = trimmed.toUpperCase() === options.silentToken.toUpperCase() || STRAY_SILENT.test(trimmed);
  if (silent) return options.mayDecline ? { kind: 'declined' } : { kind: 'no_response', reason: 'declined where a reply is required' };
  if (isPlaceholder(trimmed)) return { kind: 'no_response', reason: 'placeholder' };
  return { kind: 'reply', text: trimmed };
}
