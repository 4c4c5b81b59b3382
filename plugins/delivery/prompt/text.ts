/** Text helpers for prompts: caps, and neutralising content that could forge our delimiters. */

/** Our section delimiters look like `===== NAME START =====`. */
export function delimiter(name: string, edge: 'START' | 'END'): string {
  return `===== ${name} ${edge} =====`;
}

/** Cuts to `max` characters (ending in `…`). */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max - 1)).trimEnd() + '…';
}

/**
 * Line labels the runtime itself writes after user content (input.ts); a line of
 * user content may not start with one, or it could pass for the runtime's own.
 */
const RESERVED_LABEL = /(^|[\r\n\u2028\u2029])([ \t]*)(Notification ID)\s*:/gi;

/**
 * User-controlled content (bodies, thread messages, documents) may not contain
 * anything that reads as one of our delimiters or our own line labels: runs of
 * `=` are shortened, and a line starting with a reserved label is quoted.
 */
export function untrusted(text: string | undefined | null, max: number): string {
  return truncate((text ?? '').replace(/={3,}/g, '==').replace(RESERVED_LABEL, '$1$2(quoted) $3 -'), max);
}

/** For single-line slots (titles in anchors): no newlines, no delimiter runs. */
export function oneLine(text: string | undefined | null, max: number): string {
  return untrusted((text ?? '').replace(/\s+/g, ' ').trim(), max);
}

export function section(name: string, body: string | string[]): string {
  const content = Array.isArray(body) ? body.filter(Boolean).join('\n') : body;
  return [delimiter(name, 'START'), content, delimiter(name, 'END')].join('\n');
}

export const CAPS = Object.freeze({
  mentionableAgents: 25,
  threadMessages: 25,
  threadMessageChars: 1_500,
  taskDescription: 4_000,
  repositoryDoc: 4_000,
  briefingDoc: 4_000,
  title: 500,
  body: 15_000,
  requestMessage: 8_000,
  anchorTitle: 200,
});
