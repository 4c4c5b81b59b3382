/**
 * runtime-info: provides the `runtime-info` service (versions and
 * infrastructure ids) to the operations plugins. The runtime version comes from
 * the kernel (RUNTIME_VERSION or package.json); the OpenClaw version from
 * OPENCLAW_VERSION or, when configured, a version command run once at start.
 */
import { hostname } from 'node:os';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { runtimeInfoDoctor } from './doctor.ts';
import { RuntimeInfoRef, type RuntimeIdentity } from './service.ts';
import { detectVersion } from './detect.ts';

const Options = Type.Object(
  {
    openclawVersion: Type.Optional(Type.String({ minLength: 1, description: 'OpenClaw version of the gateway this runtime drives (OPENCLAW_VERSION)' })),
    openclawVersionCommand: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Command printing the OpenClaw version, e.g. ["openclaw","--version"]; used when openclawVersion is unset' }),
    ),
    versionCommandTimeoutMs: Type.Integer({ minimum: 100, maximum: 30_000, default: 3_000 }),
    dropletId: Type.Optional(Type.String({ minLength: 1, description: 'Infrastructure id (DROPLET_ID); default: the host name' })),
    ipAddress: Type.Optional(Type.String({ minLength: 1, description: 'Public address (DROPLET_IP); reported to the backend, not shown in /health' })),
    region: Type.Optional(Type.String({ minLength: 1, description: 'Region (DROPLET_REGION)' })),
  },
  { additionalProperties: false },
);

export default definePlugin({
  id: 'runtime-info',
  version: '1.0.0',
  description: 'Versions and infrastructure ids reported by /health, /version, status reports and build_info',
  provides: ['runtime-info'],
  configSchema: Options,
  doctor: runtimeInfoDoctor,
  env: {
    OPENCLAW_VERSION: { path: 'openclawVersion', type: 'string' },
    DROPLET_ID: { path: 'dropletId', type: 'string' },
    DROPLET_IP: { path: 'ipAddress', type: 'string' },
    DROPLET_REGION: { path: 'region', type: 'string' },
  },
  register(api, options) {
    let openclawVersion = options.openclawVersion;
    const identity = (): RuntimeIdentity =>
      Object.freeze({
        runtimeVersion: api.runtime.version,
        openclawVersion,
        dropletId: options.dropletId ?? hostname(),
        ipAddress: options.ipAddress,
        region: options.region,
      });
    api.provide(RuntimeInfoRef, { identity });
    api.health.status(() => ({ ...identity(), ipAddress: undefined }));
    return {
      async start() {
        if (openclawVersion !== undefined || !options.openclawVersionCommand) {
          if (openclawVersion === undefined) api.logger.warn('OpenClaw version unknown: set OPENCLAW_VERSION (upgrade targets cannot be matched without it)');
          return;
        }
        const result = await detectVersion(options.openclawVersionCommand, options.versionCommandTimeoutMs);
        if (result.version) openclawVersion = result.version;
        else api.logger.warn({ command: options.openclawVersionCommand[0], reason: result.error }, 'could not detect the OpenClaw version; set OPENCLAW_VERSION');
      },
    };
  },
});
