/** The delivery plugin's operator commands (`mc-runtime deliveries …`); the logic lives in cli.ts, loaded when the command runs. */
import path from 'node:path';
import type { PluginCommand } from '../../core/plugin.ts';

export const deliveryCommands: PluginCommand[] = [
  {
    name: 'deliveries',
    usage: 'deliveries dead|retry <id>|stats|show <id>',
    summary: 'dead letters (list, retry, count) and one notification\'s attempts',
    async run(argv, { io, settings }) {
      const { runDeliveriesCommand } = await import('./cli.ts');
      const { dataDir, options } = await settings();
      const storeFile = path.resolve(dataDir, (options?.storeFile as string | undefined) ?? 'delivery.sqlite');
      return runDeliveriesCommand(argv, { storeFile, out: io.out, err: io.err });
    },
  },
];
