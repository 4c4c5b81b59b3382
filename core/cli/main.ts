/** `mc-runtime` command dispatch: built-in commands, then the commands the config's plugins contribute. */
import { parseArgs } from './args.ts';
import { configPathFrom, loadDotEnv, processIo, runtimeVersion, type CliIo } from './context.ts';
import { discoverCommands, runPluginCommand, type Discovery } from './commands.ts';
// Each built-in command's module is imported when that command runs: `version` or a plugin's
// `local …` command must not load the kernel, the HTTP server or the metrics registry first.

/** Built-in commands as `[usage, summary]`; plugin commands are appended from the config. */
const BUILTIN: Array<[string, string]> = [
  ['start [--config F]', 'run the runtime (default config: config/default.json)'],
  ['check-config [--config F]', 'validate a config file and the environment; exit 1 on errors'],
  ['doctor [--config F]', 'check environment, backend, gateway, directories and config before starting'],
  ['status [--url U] [--json]', "a running runtime's plugins, readiness, deliveries and errors"],
  ['plugins [--config F] [--json]', 'list plugins in load order with their hooks, tools and commands'],
  ['new plugin <id> | new tool <name> [--dir D]', 'generate a working plugin or tool folder with a test'],
  ['version, --version, -v', 'print the runtime version'],
  ['help, --help, -h', 'print this text'],
];
const RESERVED = new Set(['start', 'check-config', 'doctor', 'status', 'plugins', 'new', 'version', 'help']);

export function usage(discovery: Discovery | undefined): string {
  const rows: Array<[string, string]> = [...BUILTIN, ...(discovery?.commands ?? []).map((c): [string, string] => [c.command.usage, `${c.command.summary} [${c.pluginId}]`])];
  const width = Math.max(...rows.map(([u]) => u.length)) + 2;
  const lines = ['Usage: mc-runtime <command> [options]', '', 'Commands:', ...rows.map(([u, s]) => `  ${u.padEnd(width)}${s}`)];
  if (discovery?.problems.length) lines.push('', 'Plugin commands not available:', ...discovery.problems.map((p) => `  ${p}`));
  lines.push(
    '',
    'Environment: a .env file in the working directory is read if present.',
    'Config file: --config, else MC_RUNTIME_CONFIG, else config/default.json.',
  );
  return lines.join('\n');
}

/** Plugin commands get their own arguments; `--config F` is the CLI's. */
function withoutConfigOption(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config') i++;
    else if (!argv[i].startsWith('--config=')) out.push(argv[i]);
  }
  return out;
}

export async function main(argv: string[], io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  loadDotEnv();
  const { options, positionals } = parseArgs(rest, new Set(['json', 'help', 'force']));
  const configPath = configPathFrom(options.config);
  switch (command) {
    case 'start':
      return (await import('./start.ts')).startCommand({ configPath, io, env });
    case 'check-config':
      return (await import('./inspect.ts')).checkConfigCommand(configPath, io, env);
    case 'doctor':
      return (await import('./doctor.ts')).doctorCommand(configPath, io, env);
    case 'status':
      return (await import('./status.ts')).statusCommand({ url: typeof options.url === 'string' ? options.url : undefined, json: options.json === true, configPath, io, env });
    case 'plugins':
      return (await import('./inspect.ts')).pluginsCommand(configPath, io, { json: options.json === true }, env);
    case 'new':
      return (await import('./scaffold.ts')).newCommand(positionals, { dir: typeof options.dir === 'string' ? options.dir : undefined, force: options.force === true, io, configPath });
    case 'version':
    case '--version':
    case '-v':
      io.out(runtimeVersion(env));
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(usage(await discoverCommands(configPath, env, RESERVED)));
      return command === undefined ? 1 : 0;
    default: {
      const discovery = await discoverCommands(configPath, env, RESERVED);
      const found = discovery.commands.find((c) => c.command.name === command);
      if (found) return runPluginCommand(found, withoutConfigOption(rest), io, configPath, env);
      io.err(`unknown command "${command}"\n\n${usage(discovery)}`);
      return 1;
    }
  }
}
