/**
 * The `input` of a delivery run (original-runtime.md §5.3): the notification,
 * the request to answer, and structured task context. Every user-controlled
 * string is capped and cannot forge our delimiters.
 */
import type { DeliveryContext, ThreadItem } from '../../../core/ports/domain.ts';
import { CAPS, oneLine, section, truncate, untrusted } from './text.ts';

const REPLY_TYPES = new Set(['thread_update', 'mention', 'response_request']);

function threadLine(m: ThreadItem): string {
  const who = oneLine(m.authorName, 80) || `${m.authorType}:${m.authorId}`;
  return `- [${new Date(m.createdAt).toISOString()}] ${who}: ${untrusted(m.content, CAPS.threadMessageChars)}`;
}

function structuredContext(ctx: DeliveryContext): string[] {
  const out: string[] = [];
  if (ctx.task) {
    out.push(`Task: ${oneLine(ctx.task.title, CAPS.title)} (${ctx.task.status})`, `Task ID: ${ctx.task._id}`);
    if (ctx.task.description) out.push(`Task description:\n${untrusted(ctx.task.description, CAPS.taskDescription)}`);
  }
  out.push(
    ctx.repositoryDoc
      ? `Repository context:\n${untrusted(ctx.repositoryDoc.content, CAPS.repositoryDoc)}`
      : 'Repository context: not found. If you need it, ask for a document titled "Repository — Primary".',
  );
  if (ctx.globalBriefingDoc) out.push(`Global context:\n${untrusted(ctx.globalBriefingDoc.content, CAPS.briefingDoc)}`);
  if (ctx.taskOverview) {
    out.push(`Totals (sampled per status): ${ctx.taskOverview.totals.map((t) => `${t.status}=${t.count}`).join('; ')}`);
    for (const group of ctx.taskOverview.topTasks) {
      for (const t of group.tasks) out.push(`- P${t.priority} ${oneLine(t.title, 120)} [${t.taskId}] (${t.status})`);
    }
  }
  if (ctx.thread.length) {
    const shown = ctx.thread.slice(-CAPS.threadMessages);
    const omitted = ctx.thread.length - shown.length;
    out.push(section('THREAD HISTORY', [omitted > 0 ? `(... ${omitted} older messages omitted)` : '', ...shown.map(threadLine)]));
  }
  const agents = ctx.mentionableAgents.filter((a) => a.id !== ctx.agent?._id);
  if (agents.length) {
    const shown = agents.slice(0, CAPS.mentionableAgents);
    out.push(
      'Agents available for response_request:',
      ...shown.map((a) => `- @${oneLine(a.slug, 60)} - ${oneLine(a.name, 80)} (${oneLine(a.role, 80)})`),
    );
    if (agents.length > shown.length) out.push(`... and ${agents.length - shown.length} more`);
  }
  if (ctx.primaryUserMention) out.push(`User to mention if blocked: @"${oneLine(ctx.primaryUserMention.name, 80)}"`);
  return out;
}

export function buildInput(ctx: DeliveryContext): string {
  const n = ctx.notification;
  const parts = [`## Notification: ${n.type}`, `**${oneLine(n.title, CAPS.title)}**`];
  parts.push(section('MAIN USER MESSAGE (NOTIFICATION BODY)', untrusted(n.body, CAPS.body) || '(empty)'));
  if (REPLY_TYPES.has(n.type) && ctx.message?.content) {
    const m = ctx.message;
    parts.push(section('REQUEST TO RESPOND TO', [`From ${m.authorType} ${m.authorId} (message ${m._id}):`, untrusted(m.content, CAPS.requestMessage)]));
  }
  parts.push(section('STRUCTURED CONTEXT', structuredContext(ctx)));
  parts.push(
    n.type === 'assignment'
      ? 'Format: a short acknowledgement (one or two sentences), plus clarifying questions if any.'
      : 'Format: for substantive updates use the sections Summary, Work done, Artifacts, Risks, Next step, Sources; for a simple acknowledgement one or two sentences.',
  );
  parts.push('---', `Notification ID: ${truncate(n._id, 100)}`);
  return parts.join('\n\n');
}
