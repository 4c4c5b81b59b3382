/**
 * What this runtime says about itself: versions and infrastructure ids. One
 * plugin owns the values (env DROPLET_*, OPENCLAW_VERSION) so /health, /version,
 * status reports, build_info and self-upgrade all agree.
 */
import { createServiceRef } from '../../core/services.ts';

export interface RuntimeIdentity {
  /** Runtime version (RUNTIME_VERSION, else package.json). */
  readonly runtimeVersion: string;
  /** OpenClaw version (OPENCLAW_VERSION or the configured command); undefined when unknowable. */
  readonly openclawVersion: string | undefined;
  /** DROPLET_ID, else the host name (the container id in Docker). */
  readonly dropletId: string;
  readonly ipAddress: string | undefined;
  readonly region: string | undefined;
}

export interface RuntimeInfoService {
  /** Current identity (the OpenClaw version may be detected after start). */
  identity(): RuntimeIdentity;
}

export const RuntimeInfoRef = createServiceRef<RuntimeInfoService>('runtime-info');
