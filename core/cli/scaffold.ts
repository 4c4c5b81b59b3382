/**
 * `mc-runtime new plugin <id>` and `mc-runtime new tool <name>`: writes a
 * working folder (index.ts with definePlugin or defineTool and an options
 * schema, plus a passing test) and prints the line to add to a config.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT, configPathFrom, type CliIo } from './context.ts';
import { SDK_IMPORTS, pluginIndex, pluginTest, toolIndex, toolTest } from './scaffold-templates.ts';

const PLUGIN_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const TOOL_NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const USAGE = 'usage: mc-runtime new plugin <id> | new tool <name> [--dir D] [--force]   (id: kebab-case; tool name: snake_case)';

export interface NewOptions {
  /** Folder to write; default plugins/<id> under the working directory. */
  dir?: string;
  force: boolean;
  io: CliIo;
  /** Where generated code finds the runtime (the repository root). */
  root?: string;
  /** Config the printed line is meant for (its `use` paths resolve from the config's folder). */
  configPath?: string;
}

export function newCommand(positionals: string[], options: NewOptions): number {
  const { io } = options;
  const [kind, name] = positionals;
  if ((kind !== 'plugin' && kind !== 'tool') || !name) {
    io.err(USAGE);
    return 1;
  }
  if (kind === 'plugin' ? !PLUGIN_ID.test(name) : !TOOL_NAME.test(name)) {
    io.err(`"${name}" is not a valid ${kind === 'plugin' ? 'plugin id (kebab-case, e.g. audit-log)' : 'tool name (snake_case, e.g. task_word_count)'}\n${USAGE}`);
    return 1;
  }
  const pluginId = kind === 'plugin' ? name : `tool-${name.replace(/_/g, '-')}`;
  const root = options.root ?? PACKAGE_ROOT;
  const dir = path.resolve(options.dir ?? path.join('plugins', pluginId));
  const files = [path.join(dir, 'index.ts'), path.join(dir, `${pluginId}.test.ts`)];
  const taken = files.filter((f) => existsSync(f));
  if (taken.length && !options.force) {
    io.err(`not overwriting ${taken.map((f) => path.relative(process.cwd(), f)).join(', ')} (use --force)`);
    return 1;
  }
  const sdk = SDK_IMPORTS(root, dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(files[0], kind === 'plugin' ? pluginIndex(name, sdk) : toolIndex(pluginId, name, sdk));
  writeFileSync(files[1], kind === 'plugin' ? pluginTest(name, sdk) : toolTest(pluginId, name, sdk));

  const builtin = path.dirname(dir) === path.join(root, 'plugins');
  const configDir = path.dirname(options.configPath ?? configPathFrom(undefined));
  let use = path.relative(configDir, path.join(dir, 'index.ts')).split(path.sep).join('/');
  if (!use.startsWith('.')) use = `./${use}`;
  io.out(`created ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
  io.out(`run its test:   npx vitest run ${path.relative(process.cwd(), files[1])}`);
  io.out(`add to the "plugins" list of ${path.relative(process.cwd(), options.configPath ?? configPathFrom(undefined)) || 'your config'}:`);
  io.out(`  ${builtin ? JSON.stringify(pluginId) : JSON.stringify({ use })}`);
  return 0;
}
