/**
 * The `instructions` of a delivery run (original-runtime.md §5.2): who the agent
 * is, what it may do, what to answer, and how. Capability lines come from the
 * tool registry so the prompt never lists a tool the run does not offer.
 */
import { ORCHESTRATOR_CHAT_LABEL, type DeliveryContext } from '../../../core/ports/domain.ts';
import type { RunTokenHandoff } from '../../../core/ports/run-tokens.ts';
import type { AgentCapabilities } from '../../../core/tools/registry.ts';
import { CAPS, oneLine, section } from './text.ts';

export interface InstructionsInput {
  ctx: DeliveryContext;
  capabilities: AgentCapabilities;
  /** One line per tool offered in this run. */
  capabilityLines: string[];
  /** `tools`: client function tools; `http`: the agent calls POST {baseUrl}/agent/<tool> with the run token. */
  mode: 'tools' | 'http';
  /** `handoff` says how the agent gets the token (RunTokenService.handoff); without it, the env handoff. */
  http?: { baseUrl: string; runToken: string; handoff?: RunTokenHandoff };
  /** Token the agent answers with to decline (never the gateway's NO_REPLY). */
  silentToken: string;
  mayDecline: boolean;
}

const VALID_TRANSITIONS =
  'Valid status moves: assigned → in_progress; in_progress → review or blocked; review → done (only if you may close tasks), in_progress or blocked; blocked → in_progress.';

function capabilitiesBlock(input: InstructionsInput): string {
  if (input.capabilityLines.length === 0) {
    return 'Runtime capabilities: none. If the request needs an action you cannot take, say BLOCKED and why.';
  }
  const lines = ['Runtime capabilities:', ...input.capabilityLines.map((l) => `- ${l}`)];
  if (input.mode === 'http' && input.http) lines.push(...httpCallLines(input.http));
  lines.push('Use only the capabilities listed above. If one fails, report BLOCKED with the error.');
  return lines.join('\n');
}

/** The variable name used when the token is handed over in the prompt. */
const DEFAULT_TOKEN_VARIABLE = 'MC_RUN_TOKEN';

/**
 * How to call the HTTP fallback without ever putting the run token on a command
 * line (other processes can read /proc/<pid>/cmdline): from a header file the
 * runtime wrote into the workspace, or from a variable set for that one exec
 * call and piped into curl by the shell's builtin printf. docs/security.md.
 */
function httpCallLines(http: NonNullable<InstructionsInput['http']>): string[] {
  const url = `${http.baseUrl}/agent/<tool-name-with-dashes>`;
  const body = "-H 'content-type: application/json' --data '<JSON arguments>'";
  const handoff = http.handoff ?? { kind: 'env', variable: DEFAULT_TOKEN_VARIABLE, token: http.runToken };
  if (handoff.kind === 'file') {
    return [
      `Call them with HTTP from your shell (exec tool, in your workspace): curl -sS -X POST -H @${handoff.path} ${body} ${url}`,
      `${handoff.path} holds this run's Authorization header; it works only until this run ends. Always pass it as -H @${handoff.path}: never print it, copy the token into a command, a file or a message, or hand it to another agent. For JSON with quotes in it, write it to a file and pass --data @that-file. Without curl, read the header file inside a node script (fetch) instead.`,
    ];
  }
  return [
    `Call them with HTTP from your shell: run the exec tool with env {"${handoff.variable}": "${handoff.token}"} and the command: printf 'Authorization: Bearer %s\\n' "$${handoff.variable}" | curl -sS -X POST -H @- ${body} ${url}`,
    `The token is valid for this run only. Keep it out of commands: only the exec env may carry it (a command line is visible to other processes); never write it into a file or a message, or hand it to another agent. For JSON with quotes in it, write it to a file and pass --data @that-file. Without curl, read process.env.${handoff.variable} inside a node script (fetch) instead.`,
  ];
}

function scopeRules(input: InstructionsInput): string[] {
  const type = input.ctx.notification.type;
  const rules = [
    'Use only the thread shown in the input as history; ignore other tasks.',
    'Reply once for this notification; do not send progress updates.',
    'For parallel work, spawn sub-agents (sessions_spawn) and reply once with the combined result.',
  ];
  if (type === 'assignment') {
    rules.unshift('This is an assignment: acknowledge it in one or two sentences and ask any clarifying question. Do not do the work in this reply.');
  }
  if (input.mayDecline) {
    rules.push(`If the latest message is from another agent and asks nothing of you, reply with exactly ${input.silentToken} and nothing else.`);
  } else {
    rules.push('A reply is required for this notification.');
  }
  if (input.ctx.assignedAgents.length >= 2) {
    rules.push('Several agents are assigned: coordinate in the thread and say which part you take.');
  }
  return rules;
}

function operationalRules(input: InstructionsInput): string[] {
  const { ctx, capabilities } = input;
  const out: string[] = [];
  const offered = (name: string) => input.capabilityLines.some((l) => l.includes(name) || l.includes(name.replace(/_/g, '-')));
  if (ctx.task && capabilities.flags.canModifyTaskStatus && offered('task_status')) {
    out.push(`Change the task status before you post your reply when your work changes it. ${VALID_TRANSITIONS} When you wait on a human, move the task to blocked with a reason.`);
  } else if (ctx.task) {
    out.push('You cannot change this task’s status: if it needs to change, say so in your reply.');
  }
  if (ctx.task?.status === 'review' && capabilities.canMarkDone) {
    out.push('The task is in review and you may close it: set it to done before posting, or explain why not (BLOCKED).');
  }
  if (ctx.task?.status === 'done') out.push('The task is done: reply once, briefly.');
  if (ctx.task?.status === 'blocked') out.push('The task is blocked: reply only to unblock it, then move it back to in_progress.');
  if (offered('document_upsert')) out.push('Deliver documents with document_upsert and link them as [Document](/document/<id>).');
  if (offered('response_request')) {
    out.push('To get an answer from another agent, use response_request (an @mention in your text is not a request).');
  }
  if (capabilities.isOrchestrator) {
    if (ctx.task?.labels.includes(ORCHESTRATOR_CHAT_LABEL)) {
      out.push('This is the orchestrator chat: coordinate only. Assign work right away (task_assign, or task_create with assignees); never assign yourself.');
    } else {
      out.push('As orchestrator: move work to review before requesting QA, create follow-up tasks, and make sure reopened work is merged before done.');
    }
  }
  return out;
}

export function buildInstructions(input: InstructionsInput): string {
  const { ctx } = input;
  const agent = ctx.agent;
  const parts = [
    `You are replying as ${oneLine(agent?.name, 100) || 'Agent'} (${oneLine(agent?.role, 100) || 'Unknown role'}). Speak only as this agent.`,
    capabilitiesBlock(input),
    ctx.task
      ? `Respond only to this notification, about task ${ctx.task._id} "${oneLine(ctx.task.title, CAPS.anchorTitle)}" (status ${ctx.task.status}).`
      : 'Respond only to this notification.',
    'Your operating manual is in your workspace (AGENTS.md, SOUL.md, IDENTITY.md, USER.md); skills are listed in your system prompt.',
    section('RESPONSE SCOPE RULES', scopeRules(input).map((r) => `- ${r}`)),
  ];
  const ops = operationalRules(input);
  if (ops.length) parts.push(section('OPERATIONAL INSTRUCTIONS', ops.map((r) => `- ${r}`)));
  return parts.join('\n\n');
}
