/**
 * The heartbeat prompt, split like a delivery: `instructions` carry our rules
 * (how to answer, which tools), `input` carries the data (tracked tasks, the
 * focus thread). Everything that came from users or other agents is capped and
 * passed through `untrusted`, so it cannot forge our section delimiters.
 */
import type { AgentWithSession, Task, ThreadItem } from '../../core/ports/domain.ts';
import { oneLine, section, untrusted } from '../delivery/prompt/text.ts';

const CAPS = Object.freeze({
  title: 200,
  description: 240,
  threadLine: 220,
  threadLines: 8,
  author: 60,
});

export interface HeartbeatPromptInput {
  agent: Pick<AgentWithSession, 'name' | 'slug'>;
  tracked: Task[];
  focus: Task | undefined;
  thread: ThreadItem[];
  now: number;
  okToken: string;
  silentToken: string;
  /** The orchestrator is asked to chase stale work across the account. */
  orchestratorFollowUps: boolean;
  capabilityLines: string[];
}

export function buildHeartbeatInstructions(p: HeartbeatPromptInput): string {
  const lines = [
    `This is a scheduled check-in from the Mission Control runtime for ${oneLine(p.agent.name, 80)} (@${p.agent.slug}); nobody wrote to you.`,
    'Look at the work listed in the input and take at most one concrete step that moves it forward (use your tools for it).',
    p.orchestratorFollowUps
      ? 'As the orchestrator, you may also nudge the assignees of up to 3 stale tasks (in progress or in review the longest) with a response request; do not post task messages for that.'
      : '',
    'Then answer in one of these ways:',
    `- a short progress update (two or three sentences) that includes a line "Task ID: <id>" naming the tracked task it is about;`,
    `- exactly ${p.okToken} when nothing needs doing right now.`,
    `Do not answer ${p.silentToken}, NO_REPLY or a placeholder: only an update or ${p.okToken}.`,
    'An update about a task that is not in your tracked list is posted to the focus task.',
  ].filter(Boolean);
  if (p.capabilityLines.length > 0) lines.push('', 'What you can do in this run:', ...p.capabilityLines.map((l) => `- ${l}`));
  return lines.join('\n');
}

function taskLine(t: Task): string {
  const description = t.description ? ` — ${oneLine(t.description, CAPS.description)}` : '';
  return `- ${oneLine(t.title, CAPS.title)} (${t.status}) — Task ID: ${t._id}${description}`;
}

function threadLine(m: ThreadItem): string {
  const author = oneLine(m.authorName ?? m.authorType, CAPS.author);
  return `- ${author} [${m.authorType}] (${new Date(m.createdAt).toISOString()}): ${oneLine(m.content, CAPS.threadLine)}`;
}

export function buildHeartbeatInput(p: HeartbeatPromptInput): string {
  const parts: string[] = ['Heartbeat check-in.'];
  parts.push(
    section('TRACKED TASKS', p.tracked.length > 0 ? p.tracked.map(taskLine) : ['No tracked tasks: nothing is assigned to you that is open.']),
  );
  if (p.focus) {
    const recent = p.thread.slice(-CAPS.threadLines).map(threadLine);
    parts.push(
      section('FOCUS TASK', [
        `Focus Task ID: ${p.focus._id}`,
        `Title: ${oneLine(p.focus.title, CAPS.title)} (${p.focus.status})`,
        p.focus.description ? `Description: ${untrusted(p.focus.description, CAPS.description * 4)}` : '',
        recent.length > 0 ? 'Recent thread:' : 'The thread has no messages yet.',
        ...recent,
      ]),
    );
  }
  parts.push(`Current time: ${new Date(p.now).toISOString()}`);
  return parts.join('\n\n');
}
