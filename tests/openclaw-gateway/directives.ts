/**
 * How the scripted model decides an answer: from directives the test writes into task titles and
 * messages, which reach the model inside the runtime's prompt, exactly as a user's words would.
 *
 *   [[model <agent>[ on <trigger>]: <step> >> <step> >> …]]
 *
 * - `<agent>`: the agent that obeys it (`*` for any). The model learns which agent it serves from the
 *   gateway's `Runtime: agent=<id> | session=…` line.
 * - `<trigger>`: `assignment`, `mention`, `thread_update`, `response_request`, `status_change`, … (the
 *   runtime's `## Notification: <type>` heading) or `heartbeat` (the runtime's "Heartbeat check-in.").
 *   Without `on`, the directive applies to every notification but never to a heartbeat, because a
 *   heartbeat prompt lists the titles of all tracked tasks.
 * - Steps, one per model call for the same prompt (the k-th call answers step k; past the end the
 *   last step repeats):
 *     `say <text>`          plain text
 *     `call <tool> <json>`  a function call (through OpenClaw's `tool_call` bridge when the tool is
 *                           only reachable through Tool Search)
 *     `heartbeat-ok`        `HEARTBEAT_OK`
 *     `no-reply`            `NO_REPLY` (OpenClaw's silent token)
 *     `decline`             the nothing-to-add token the runtime's instructions offer; if none was
 *                           offered, a visible complaint (so the test sees it)
 *     `hang`                no answer until the gateway hangs up
 *
 * Without a matching directive the model behaves like a polite agent: `HEARTBEAT_OK` to a heartbeat,
 * the offered decline token when there is one, else a short acknowledgement.
 */

export type Step =
  | { kind: 'say'; text: string }
  | { kind: 'call'; tool: string; args: Record<string, unknown> }
  | { kind: 'heartbeat-ok' }
  | { kind: 'no-reply' }
  | { kind: 'decline' }
  | { kind: 'hang' };

export interface Directive {
  agent: string;
  on: string | undefined;
  steps: Step[];
  source: string;
}

// The body stops at the first `]]` and never contains `[[`: the runtime quotes titles cut short in
// notification headers, and a cut directive must not swallow the complete one that follows it.
const DIRECTIVE = /\[\[model ([A-Za-z0-9_*-]+)(?: on ([a-z_]+))?:\s*((?:(?!\[\[)[\s\S])*?)\]\]/g;

export function parseStep(raw: string): Step {
  const text = raw.trim();
  const [word] = text.split(/\s+/, 1);
  const rest = text.slice(word.length).trim();
  switch (word) {
    case 'say':
      if (!rest) throw new Error(`directive step "say" needs a text: ${raw}`);
      return { kind: 'say', text: rest };
    case 'call': {
      const m = /^([A-Za-z0-9_]+)\s*([\s\S]*)$/.exec(rest);
      if (!m) throw new Error(`directive step "call" needs a tool name: ${raw}`);
      const args = m[2].trim() ? (JSON.parse(m[2]) as unknown) : {};
      if (!args || typeof args !== 'object' || Array.isArray(args)) throw new Error(`directive step "call" needs a JSON object: ${raw}`);
      return { kind: 'call', tool: m[1], args: args as Record<string, unknown> };
    }
    case 'heartbeat-ok':
    case 'no-reply':
    case 'decline':
    case 'hang':
      return { kind: word };
    default:
      throw new Error(`unknown directive step "${word}" in: ${raw}`);
  }
}

export function parseDirectives(text: string): Directive[] {
  const out: Directive[] = [];
  for (const m of text.matchAll(DIRECTIVE)) {
    out.push({ agent: m[1], on: m[2], steps: m[3].split('>>').map(parseStep), source: m[0] });
  }
  return out;
}

/** Builds a directive string for a test to put in a title or message. */
export function directive(agent: string, steps: string[], on?: string): string {
  return `[[model ${agent}${on ? ` on ${on}` : ''}: ${steps.join(' >> ')}]]`;
}

export function findDirective(text: string, agent: string, trigger: string | null): Directive | undefined {
  return parseDirectives(text).find(
    (d) => (d.agent === agent || d.agent === '*') && (d.on ? d.on === trigger : trigger !== null && trigger !== 'heartbeat'),
  );
}

/** `## Notification: <type>` → the type; "Heartbeat check-in." → `heartbeat`; else null. */
export function triggerOf(prompt: string): string | null {
  const n = /## Notification: ([a-z_]+)/.exec(prompt);
  if (n) return n[1];
  return /Heartbeat check-in\./.test(prompt) ? 'heartbeat' : null;
}

/** The decline token offered by the runtime's instructions, if any. */
export function offeredDeclineToken(systemPrompt: string): string | undefined {
  return /reply with exactly ([A-Z][A-Z0-9_]+) and nothing else/.exec(systemPrompt)?.[1];
}

export function defaultStep(trigger: string | null, declineToken: string | undefined, agent: string): Step {
  if (trigger === 'heartbeat') return { kind: 'heartbeat-ok' };
  if (declineToken) return { kind: 'decline' };
  return { kind: 'say', text: `Acknowledged (${agent}).` };
}
