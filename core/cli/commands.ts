/**
 * Feature commands contributed by plugins' CLI modules: operator tooling that
 * works on a plugin's own state whether or not the runtime runs. Each module is
 * imported only when its command runs, and finds its files through the config.
 */
import path from 'node:path';
import { loadConfig } from '../config/index.ts';
import type { CliIo } from './context.ts';

export interface CliCommand {
  name: string;
  usage: string;
  summary: string;
  run(argv: string[], ctx: { io: CliIo; configPath: string }): Promise<number>;
}

/** Options of one plugin in the config (validated, defaults applied), or undefined when it is not loaded. */
async function pluginSettings(configPath: string, pluginId: string) {
  const config = await loadConfig({ file: configPath });
  const plugin = config.plugins.find((p) => p.id === pluginId);
  return { dataDir: config.runtime.dataDir, options: plugin?.options };
}

export const COMMANDS: CliCommand[] = [
  {
    name: 'local',
    usage: 'local <command> …',
    summary: 'act as a user on the embedded backend (mc-runtime local help)',
    async run(argv, { io, configPath }) {
      const { runLocalCommand } = await import('../../plugins/backend-local/cli.ts');
      const { DEFAULT_DB_FILE } = await import('../../plugins/backend-local/index.ts');
      const settings = await pluginSettings(configPath, 'backend-local').catch(() => ({ dataDir: '.runtime', options: undefined }));
      const configured = settings.options?.path as string | undefined;
      const dbPath = path.resolve(configured ?? path.join(settings.dataDir, DEFAULT_DB_FILE));
      return runLocalCommand(argv, { dbPath, out: io.out });
    },
  },
  {
    name: 'deliveries',
    usage: 'deliveries dead|retry <id>|stats',
    summary: 'dead-lettered notifications: list, retry',
    async run(argv, { io, configPath }) {
      const { runDeliveriesCommand } = await import('../../plugins/delivery/cli.ts');
      const settings = await pluginSettings(configPath, 'delivery');
      const storeFile = path.resolve(settings.dataDir, (settings.options?.storeFile as string | undefined) ?? 'delivery.sqlite');
      return runDeliveriesCommand(argv, { storeFile, out: io.out, err: io.err });
    },
  },
];
