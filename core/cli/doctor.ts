/**
 * `mc-runtime doctor`: a checklist an operator runs before (or instead of)
 * starting — the config, the data dir, then every plugin's own diagnostics
 * (`definePlugin({ doctor })`: backend reachable and token accepted, gateway
 * reachable, versions, workspaces). Never starts a plugin; exit 1 when a check fails.
 */
import path from 'node:path';
import { loadConfig, ConfigError, formatIssue, type ConfigIssue, type ResolvedConfig } from '../config/index.ts';
import { readConfigFile } from '../config/file.ts';
import type { CliIo } from './context.ts';
import type { DoctorCheck } from './contract.ts';
import { checkNotHeld, checkWritableDir } from './doctor-fs.ts';

/** Budget of one plugin's diagnostics (its calls carry their own shorter timeouts). */
const PLUGIN_BUDGET_MS = 20_000;

interface Row extends DoctorCheck {
  /** `runtime` or the plugin id. */
  scope: string;
}

function issueFix(issue: ConfigIssue): string {
  if (issue.source.startsWith('env:')) return `set ${issue.source.slice(4)} to a valid value (docs/configuration.md lists every variable)`;
  return `edit ${issue.source}${issue.path ? ` at ${issue.path}` : ''} (mc-runtime check-config repeats this list)`;
}

async function configRows(configPath: string, env: NodeJS.ProcessEnv): Promise<{ rows: Row[]; config?: ResolvedConfig }> {
  try {
    const config = await loadConfig({ file: configPath, env });
    const backend = config.plugins.find((p) => p.definition.provides?.includes('backend'))?.id ?? 'none';
    return {
      config,
      rows: [{ scope: 'runtime', name: 'config valid', ok: true, detail: `${config.file.source}: ${config.plugins.length} plugins, backend ${backend}` }],
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { rows: err.issues.map((i) => ({ scope: 'runtime', name: 'config', ok: false, detail: formatIssue(i), fix: issueFix(i) })) };
  }
}

async function pluginRows(config: ResolvedConfig, env: NodeJS.ProcessEnv, dataDir: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const plugin of config.plugins) {
    const doctor = plugin.definition.doctor;
    if (!doctor) continue;
    const signal = AbortSignal.timeout(PLUGIN_BUDGET_MS);
    try {
      const checks = await Promise.race([
        doctor({ options: plugin.options, dataDir, accountId: config.runtime.accountId, env, signal }),
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error(`no answer within ${PLUGIN_BUDGET_MS} ms`)), { once: true })),
      ]);
      rows.push(...checks.map((c) => ({ ...c, scope: plugin.id })));
    } catch (err) {
      rows.push({ scope: plugin.id, name: 'diagnostics', ok: false, detail: (err as Error).message, fix: `a defect of plugin ${plugin.id}: report it` });
    }
  }
  return rows;
}

export async function doctorCommand(configPath: string, io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { rows, config } = await configRows(configPath, env);
  const fileDataDir = config?.runtime.dataDir ?? env.RUNTIME_DATA_DIR ?? readConfigFile(configPath, env, [])?.runtime.dataDir;
  const dataDir = path.resolve(typeof fileDataDir === 'string' ? fileDataDir : '.runtime');
  const dirFix = 'set RUNTIME_DATA_DIR (or runtime.dataDir) to a directory this user can write';
  rows.push({ scope: 'runtime', ...(await checkWritableDir('data dir', dataDir, dirFix)) });
  rows.push({ scope: 'runtime', ...checkNotHeld('data dir', dataDir) });
  if (config) rows.push(...(await pluginRows(config, env, dataDir)));
  else rows.push({ scope: 'runtime', name: 'backend, gateway and plugin checks', ok: false, detail: 'skipped: the config does not validate', fix: 'fix the config problems above, then run doctor again' });

  const secrets = (config?.secrets ?? []).filter((s) => s.length >= 4);
  const scrub = (text: string) => secrets.reduce((t, s) => t.split(s).join('[Redacted]'), text);
  io.out(`mc-runtime doctor: ${config?.file.source ?? configPath}`);
  for (const row of rows) {
    const mark = !row.ok ? 'FAIL' : row.warning ? 'warn' : 'ok';
    io.out(`  ${mark.padEnd(5)} ${row.scope === 'runtime' ? '' : `${row.scope}: `}${row.name}${row.detail ? ` — ${scrub(row.detail)}` : ''}`);
    if (!row.ok || row.warning) if (row.fix) io.out(`        fix: ${scrub(row.fix)}`);
  }
  const failed = rows.filter((r) => !r.ok).length;
  const warned = rows.filter((r) => r.ok && r.warning).length;
  io.out(`${rows.length} checks: ${rows.length - failed} passed${warned ? ` (${warned} with a warning)` : ''}, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}
