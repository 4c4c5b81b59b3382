/**
 * Legacy `x-openclaw-session-key` authentication, for agents whose prompts
 * still carry a session key. Off unless `legacySessionKeyAuth` is set: session
 * keys are derivable from data every agent sees (§15.2), so this trusts a
 * forgeable value. Kept only as a migration aid.
 */
import type { BackendPort } from '../../core/ports/backend.ts';
import { capabilitiesForAgent } from '../../core/tools/capabilities.ts';
import type { AgentCapabilities } from '../../core/tools/registry.ts';
import type { ToolCallSubject } from '../../core/hooks.ts';

const TASK_KEY = /^task:([^:]+):agent:([^:]+):([^:]+):v\d+$/;
const SYSTEM_KEY = /^system:agent:([^:]+):([^:]+):v\d+$/;

export type LegacyAuthResult =
  | { ok: true; subject: ToolCallSubject; capabilities: AgentCapabilities }
  | { ok: false; error: string };

export async function authenticateSessionKey(backend: BackendPort, key: string, accountId: string | undefined): Promise<LegacyAuthResult> {
  const task = TASK_KEY.exec(key);
  const system = task ? null : SYSTEM_KEY.exec(key);
  if (!task && !system) return { ok: false, error: 'Unknown session key' };
  const slug = task ? task[2] : system![1];
  const keyAccount = task ? task[3] : system![2];
  if (accountId && keyAccount !== accountId) return { ok: false, error: 'Unknown session key' };
  const agents = await backend.listAgents();
  const agent = agents.find((a) => a.slug === slug);
  if (!agent) return { ok: false, error: 'Unknown session key' };
  if (system && agent.systemSessionKey !== key) return { ok: false, error: 'Unknown session key' };
  const { orchestratorAgentId } = await backend.getOrchestratorAgentId();
  const subject: ToolCallSubject = { agentId: agent._id, agentSlug: agent.slug, via: 'http' };
  if (!task) return { ok: true, subject, capabilities: capabilitiesForAgent(agent, orchestratorAgentId) };
  const taskId = task[1];
  try {
    const details = await backend.loadTaskDetailsForAgentTool({ agentId: agent._id, taskId, messageLimit: 1 });
    return { ok: true, subject: { ...subject, taskId }, capabilities: capabilitiesForAgent(agent, orchestratorAgentId, details.task) };
  } catch {
    return { ok: false, error: 'Unknown session key' };
  }
}
