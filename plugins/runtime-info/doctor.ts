/** `mc-runtime doctor`: which OpenClaw version this runtime will report (upgrade targets never match an unknown one). */
import type { DoctorFn } from '../../core/plugin.ts';
import { detectVersion } from './detect.ts';

export const runtimeInfoDoctor: DoctorFn = async ({ options }) => {
  const name = 'gateway version';
  if (typeof options.openclawVersion === 'string') return [{ name, ok: true, detail: `${options.openclawVersion} (OPENCLAW_VERSION)` }];
  const command = options.openclawVersionCommand as string[] | undefined;
  const fix = 'set OPENCLAW_VERSION to the version of the gateway (e.g. 2026.9.6): pending upgrades are matched against it';
  if (!command) return [{ name, ok: true, warning: true, detail: 'unknown: OPENCLAW_VERSION is not set and no openclawVersionCommand is configured', fix }];
  const found = await detectVersion(command, (options.versionCommandTimeoutMs as number | undefined) ?? 3000);
  if (found.version) return [{ name, ok: true, detail: `${found.version} (${command.join(' ')})` }];
  return [{ name, ok: false, detail: `${command.join(' ')}: ${found.error}`, fix: `install the command or fix option openclawVersionCommand; or ${fix}` }];
};
