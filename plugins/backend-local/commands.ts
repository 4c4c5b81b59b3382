/** The embedded backend's operator commands (`mc-runtime local …`); the logic lives in cli.ts, loaded when the command runs. */
import path from 'node:path';
import type { PluginCommand } from '../../core/plugin.ts';

export const localCommands: PluginCommand[] = [
  {
    name: 'local',
    usage: 'local <command> …',
    summary: 'act as a user on the embedded backend (mc-runtime local help)',
    async run(argv, { io, settings }) {
      const { runLocalCommand } = await import('./cli.ts');
      const { DEFAULT_DB_FILE } = await import('./index.ts');
      const { dataDir, options } = await settings();
      const configured = options?.path as string | undefined;
      const dbPath = path.resolve(configured ?? path.join(dataDir, DEFAULT_DB_FILE));
      return runLocalCommand(argv, { dbPath, out: io.out });
    },
  },
];
