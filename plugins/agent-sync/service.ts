/** The `agent-sync` service: lets other plugins (and tests, and operators' tooling) ask for a sync now. */
import { createServiceRef } from '../../core/services.ts';

export type AgentSyncOutcome = 'changed' | 'unchanged' | 'error' | 'skipped';

export interface AgentSyncService {
  /** Runs one sync unless one is already running (then resolves `skipped` at once). */
  syncNow(): Promise<AgentSyncOutcome>;
}

export const AgentSyncRef = createServiceRef<AgentSyncService>('agent-sync');
