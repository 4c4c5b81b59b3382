/** `mc-runtime doctor`: the workspace root and the openclaw.json location are writable (only when profile sync is on). */
import path from 'node:path';
import type { DoctorFn } from '../../core/plugin.ts';
import { checkNotHeld, checkWritableDir } from '../../core/cli/doctor-fs.ts';

export const profileSyncDoctor: DoctorFn = async ({ options }) => {
  if (options.enabled !== true) return [{ name: 'workspace root', ok: true, detail: 'profile sync is off (OPENCLAW_PROFILE_SYNC)' }];
  const root = path.resolve(String(options.workspaceRoot));
  const configDir = path.dirname(path.resolve((options.configPath as string | undefined) ?? path.join(path.dirname(root), 'openclaw.json')));
  const fix = 'set OPENCLAW_WORKSPACE_ROOT (and OPENCLAW_CONFIG_PATH) to directories this user can write, shared with the gateway';
  const checks = [await checkWritableDir('workspace root', root, fix)];
  if (configDir !== path.dirname(root)) checks.push(await checkWritableDir('openclaw.json directory', configDir, fix));
  // The gateway reads these files, so a holder is expected; shown, never a failure.
  checks.push(checkNotHeld('workspace root', root, { warnOnly: true }));
  return checks;
};
