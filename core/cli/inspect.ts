/** `mc-runtime check-config` and `mc-runtime plugins`. */
import { loadConfig, ConfigError, type ResolvedConfig } from '../config/index.ts';
import { Kernel, BootError } from '../kernel.ts';
import { createLogger } from '../logger.ts';
import { runtimeVersion, type CliIo } from './context.ts';

async function load(configPath: string, io: CliIo, env: NodeJS.ProcessEnv): Promise<ResolvedConfig | undefined> {
  try {
    return await loadConfig({ file: configPath, env });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(err.message);
      return undefined;
    }
    throw err;
  }
}

export async function checkConfigCommand(configPath: string, io: CliIo, env = process.env): Promise<number> {
  const config = await load(configPath, io, env);
  if (!config) return 1;
  io.out(`${config.file.source}: OK (${config.plugins.length} plugins: ${config.plugins.map((p) => p.id).join(', ')})`);
  for (const d of config.disabled) io.out(`  not loaded: ${d.use} (${d.reason})`);
  return 0;
}

/** Registers (without starting) every plugin to show load order, hooks and tools. */
export async function pluginsCommand(configPath: string, io: CliIo, options: { json: boolean }, env = process.env): Promise<number> {
  const config = await load(configPath, io, env);
  if (!config) return 1;
  const kernel = new Kernel({ config, env, version: runtimeVersion(env), logger: createLogger({ level: 'warn', pretty: false, destination: process.stderr }) });
  let failed = false;
  try {
    await kernel.register();
  } catch (err) {
    if (!(err instanceof BootError)) throw err;
    io.err(err.message);
    failed = true;
  }
  const report = kernel.plugins();
  await kernel.stop('inspection done');
  if (options.json) {
    io.out(JSON.stringify({ config: config.file.source, plugins: report, disabled: config.disabled }, null, 2));
    return failed ? 1 : 0;
  }
  io.out(`Plugins of ${config.file.source}, in load order:`);
  report.forEach((p, i) => {
    io.out(`${String(i + 1).padStart(2)}. ${p.id}@${p.version}  [${p.source}${p.source === 'builtin' ? '' : ` ${p.package ?? p.specifier}`}]${p.required ? '' : ' (optional)'}${p.state === 'registered' || p.state === 'stopped' ? '' : `  ${p.state}: ${p.error ?? ''}`}`);
    if (p.dependsOn.length) io.out(`      depends on: ${p.dependsOn.join(', ')}`);
    if (p.provides.length) io.out(`      provides:   ${p.provides.join(', ')}`);
    if (p.hooks.length) io.out(`      hooks:      ${p.hooks.join(', ')}`);
    if (p.tools.length) io.out(`      tools:      ${p.tools.join(', ')}`);
    const commands = config.plugins.find((c) => c.id === p.id)?.definition.commands ?? [];
    if (commands.length) io.out(`      commands:   ${commands.map((c) => c.name).join(', ')}`);
  });
  for (const d of config.disabled) io.out(`  -  ${d.use}: not loaded (${d.reason})`);
  return failed ? 1 : 0;
}
