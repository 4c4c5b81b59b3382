/** Every tool of this plugin is the orchestrator's alone; the backend checks again. */
import type { ToolAvailabilityContext } from '../../core/tools/registry.ts';

export const orchestratorOnly = (ctx: ToolAvailabilityContext): boolean => ctx.capabilities.isOrchestrator;
