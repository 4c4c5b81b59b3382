/** `mc-runtime` command dispatch. */
import { parseArgs } from './args.ts';
import { configPathFrom, loadDotEnv, processIo, runtimeVersion, type CliIo } from './context.ts';
import { startCommand } from './start.ts';
import { checkConfigCommand, pluginsCommand } from './inspect.ts';
import { COMMANDS } from './commands.ts';

const USAGE = `Usage: mc-runtime <command> [options]

Commands:
  start [--config F]            run the runtime (default config: config/default.json)
  check-config [--config F]     validate a config file and the environment; exit 1 on errors
  plugins [--config F] [--json] list plugins in load order with their hooks and tools
${COMMANDS.map((c) => `  ${c.usage.padEnd(30)}${c.summary}`).join('\n')}
  version                       print the runtime version

Environment: a .env file in the working directory is read if present.
Config file: --config, else MC_RUNTIME_CONFIG, else config/default.json.`;

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  loadDotEnv();
  const { options } = parseArgs(rest, new Set(['json', 'help']));
  const configPath = configPathFrom(options.config);
  switch (command) {
    case 'start':
      return startCommand({ configPath, io });
    case 'check-config':
      return checkConfigCommand(configPath, io);
    case 'plugins':
      return pluginsCommand(configPath, io, { json: options.json === true });
    case 'version':
      io.out(runtimeVersion());
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return command === undefined ? 1 : 0;
    default: {
      const extra = COMMANDS.find((c) => c.name === command);
      if (extra) return extra.run(rest, { io, configPath });
      io.err(`unknown command "${command}"\n\n${USAGE}`);
      return 1;
    }
  }
}
