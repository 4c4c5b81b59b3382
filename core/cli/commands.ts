/**
 * Feature commands contributed by plugins' CLI modules (operator tooling that
 * works on a plugin's own state while the runtime runs or not). Each module is
 * imported only when its command runs.
 */
import type { CliIo } from './context.ts';

export interface CliCommand {
  name: string;
  usage: string;
  summary: string;
  run(argv: string[], ctx: { io: CliIo; configPath: string }): Promise<number>;
}

export const COMMANDS: CliCommand[] = [];
