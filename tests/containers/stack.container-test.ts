/**
 * `npm run test:containers`: both images built and run for real (needs only
 * `docker` and `docker compose` >= 2.24). The runtime image alone with the
 * Compose hardening; the Compose stack without and with the `openclaw`
 * profile. Every container, volume and network carries this run's id and is
 * removed afterwards, also when a step fails. Images are kept (build cache).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, httpStatus, inspect, sh, versionAtLeast, waitFor, waitHealthy } from './docker.ts';
import { freePort } from '../support/free-port.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const RUN = `mc-ctest-${process.pid}`;
const RUNTIME_IMAGE = 'mc-ctest-runtime';
const OPENCLAW_IMAGE = 'mc-ctest-openclaw';
const OPENCLAW_VERSION = '2026.9.6';
const GATEWAY_TOKEN = `ctest-gateway-${process.pid}-0123456789`;
const SERVICE_TOKEN = `ctest-service-${process.pid}-0123456789`;
const GH_TOKEN = `ctest-gh-${process.pid}-0123456789`;
const work = mkdtempSync(path.join(tmpdir(), 'mc-ctest-'));

/** The Compose project directory: the repository's compose file, this run's own env files. */
function composeArgs(project: string, profile: boolean): string[] {
  return ['compose', '-p', project, '--project-directory', work, '-f', path.join(REPO, 'docker-compose.runtime.yml'), '-f', path.join(work, 'override.yml'), ...(profile ? ['--profile', 'openclaw'] : [])];
}

async function cleanup(): Promise<void> {
  for (const project of [`${RUN}-solo`, `${RUN}-stack`]) {
    await sh('docker', [...composeArgs(project, true), 'down', '-v', '--remove-orphans', '-t', '5']);
    const ids = (await sh('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])).stdout.split('\n').filter(Boolean);
    if (ids.length) await sh('docker', ['rm', '-f', ...ids]);
    const vols = (await sh('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).stdout.split('\n').filter(Boolean);
    if (vols.length) await sh('docker', ['volume', 'rm', '-f', ...vols]);
  }
  await sh('docker', ['rm', '-f', `${RUN}-rt`]);
  await sh('docker', ['volume', 'rm', '-f', `${RUN}-rt-data`, `${RUN}-rt-ws`]);
}

/** Runs a command in a container; its stdout. */
const exec = (container: string, cmd: string[]) => docker(['exec', container, ...cmd]);
const serviceContainer = async (project: string, service: string) =>
  (await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${service}`])).trim();

beforeAll(async () => {
  const compose = await sh('docker', ['compose', 'version', '--short']);
  if (compose.code !== 0 || !versionAtLeast(compose.stdout.trim(), '2.24')) {
    throw new Error(`docker compose >= 2.24 is needed (found: ${compose.stdout.trim() || compose.stderr.trim()})`);
  }
  await docker(['version']);
  // The embedded backend (demo account: orion, engineer, qa) while SERVICE_TOKEN is in .env, as in
  // production, so "the gateway never sees it" is a real check.
  const config = JSON.parse(readFileSync(path.join(REPO, 'config', 'default.json'), 'utf8')) as { plugins: unknown[] };
  config.plugins = config.plugins
    .filter((p) => !(typeof p === 'object' && (p as { use: string }).use === 'backend-convex'))
    .map((p) => (typeof p === 'object' && (p as { use: string }).use === 'backend-local' ? { use: 'backend-local' } : p));
  writeFileSync(path.join(work, 'ctest-config.json'), JSON.stringify(config));
  writeFileSync(path.join(work, 'override.yml'), [
    'services:',
    '  runtime:',
    '    environment:',
    '      MC_RUNTIME_CONFIG: /app/config/ctest.json',
    '    volumes:',
    `      - ${path.join(work, 'ctest-config.json')}:/app/config/ctest.json:ro`,
    '',
  ].join('\n'));
  writeFileSync(path.join(work, '.env'), `SERVICE_TOKEN=${SERVICE_TOKEN}\nOPENCLAW_GATEWAY_TOKEN=${GATEWAY_TOKEN}\n`);
  writeFileSync(path.join(work, '.env.gateway'), `GH_TOKEN=${GH_TOKEN}\n`);
  await cleanup();
  await docker(['build', '--build-arg', `RUNTIME_VERSION=ctest`, '-t', `${RUNTIME_IMAGE}:ctest`, REPO], { timeoutMs: 900_000 });
  await docker(['build', '--build-arg', `OPENCLAW_VERSION=${OPENCLAW_VERSION}`, '-t', `${OPENCLAW_IMAGE}:${OPENCLAW_VERSION}`, path.join(REPO, 'openclaw')], { timeoutMs: 1_800_000 });
}, 2_000_000);

afterAll(async () => {
  await cleanup();
  rmSync(work, { recursive: true, force: true });
  // Cleanup is part of the contract: nothing of this run may remain.
  const left = (await sh('docker', ['ps', '-aq', '--filter', `name=${RUN}`])).stdout.trim();
  const vols = (await sh('docker', ['volume', 'ls', '-q', '--filter', `name=${RUN}`])).stdout.trim();
  if (left || vols) throw new Error(`left behind: containers [${left}] volumes [${vols}]`);
}, 300_000);

describe('runtime image, run alone with the Compose hardening', () => {
  it('is reachable with a plain `docker run -p`, healthy, non-root, read-only, capability-free, and stops cleanly', async () => {
    const port = await freePort();
    const name = `${RUN}-rt`;
    // No HEALTH_HOST: the image's default must make the published port work.
    await docker(['run', '-d', '--name', name, '--init', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL',
      '--security-opt', 'no-new-privileges:true', '--stop-timeout', '30', '-p', `127.0.0.1:${port}:3000`,
      '-v', `${RUN}-rt-data:/var/lib/mc-runtime`, '-v', `${RUN}-rt-ws:/workspace`,
      '-e', 'OPENCLAW_PROFILE_SYNC=true', '-e', 'OPENCLAW_WORKSPACE_ROOT=/workspace/agents', `${RUNTIME_IMAGE}:ctest`]);
    await waitFor('/livez from the host', async () => ((await httpStatus(`http://127.0.0.1:${port}/livez`)) === 200 ? true : undefined), 60_000);
    await waitHealthy(name, 60_000);
    expect((await exec(name, ['id', '-u'])).trim()).toBe('1000');
    expect((await sh('docker', ['exec', name, 'touch', '/app/x'])).code).not.toBe(0);
    expect(await exec(name, ['sh', '-c', 'grep -E "^(CapEff|NoNewPrivs)" /proc/self/status'])).toMatch(/CapEff:\s*0+\s+NoNewPrivs:\s*1/);
    // A fresh volume on /workspace: profile sync writes (it failed with EACCES before).
    await waitFor('profile sync to write the roster', async () => ((await sh('docker', ['exec', name, 'test', '-f', '/workspace/openclaw.json'])).code === 0 ? true : undefined), 30_000);
    const logs = await sh('docker', ['logs', name]);
    expect(logs.stdout + logs.stderr).not.toContain('EACCES');
    await docker(['stop', name]);
    expect(await inspect(name, '{{.State.ExitCode}}')).toBe('0');
  }, 300_000);
});

describe('Compose stack', () => {
  const env = () => ({ RUNTIME_IMAGE, RUNTIME_VERSION: 'ctest', OPENCLAW_IMAGE, OPENCLAW_VERSION });

  it('gives the runtime its .env and the gateway only its own variables (resolved by Compose)', async () => {
    const config = JSON.parse(await docker([...composeArgs(`${RUN}-stack`, true), 'config', '--format', 'json'], { env: { ...env(), HEALTH_PORT: '1', OPENCLAW_PORT: '2' } })) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    expect(config.services.runtime.environment.SERVICE_TOKEN).toBe(SERVICE_TOKEN);
    expect(config.services['openclaw-gateway'].environment.SERVICE_TOKEN).toBeUndefined();
    expect(config.services['openclaw-gateway'].environment.OPENCLAW_GATEWAY_TOKEN).toBe(GATEWAY_TOKEN);
    expect(config.services['openclaw-gateway'].environment.GH_TOKEN).toBe(GH_TOKEN);
    expect(config.services.runtime.environment.GH_TOKEN).toBeUndefined();
  });

  it('without the openclaw profile: the runtime alone comes up healthy and profile sync writes the shared volume', async () => {
    const project = `${RUN}-solo`;
    const port = await freePort();
    await docker([...composeArgs(project, false), 'up', '-d', '--no-build'], { env: { ...env(), HEALTH_PORT: String(port) } });
    const rt = await serviceContainer(project, 'runtime');
    await waitHealthy(rt, 90_000);
    await waitFor('profile sync files', async () => ((await sh('docker', ['exec', rt, 'test', '-f', '/workspace/agents/engineer/SOUL.md'])).code === 0 ? true : undefined), 30_000);
    expect(JSON.parse(await exec(rt, ['cat', '/workspace/openclaw.json'])).agents.entries).toHaveProperty('engineer');
    const logs = await sh('docker', ['logs', rt]);
    expect(logs.stdout + logs.stderr).not.toContain('EACCES');
    expect(await httpStatus(`http://127.0.0.1:${port}/livez`)).toBe(200);
    expect(await inspect(rt, '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.RestartCount}}')).toBe('true [ALL] 0');
    await docker([...composeArgs(project, false), 'down', '-v', '-t', '30'], { env: env() });
  }, 300_000);

  it('with the openclaw profile: both healthy in order with no restart, the roster on the gateway, agents on /v1/models, the runtime ready', async () => {
    const project = `${RUN}-stack`;
    const port = await freePort();
    const gwPort = await freePort();
    await docker([...composeArgs(project, true), 'up', '-d', '--no-build'], { env: { ...env(), HEALTH_PORT: String(port), OPENCLAW_PORT: String(gwPort) }, timeoutMs: 600_000 });
    const rt = await serviceContainer(project, 'runtime');
    const gw = await serviceContainer(project, 'openclaw-gateway');
    await waitHealthy(rt, 90_000);
    await waitHealthy(gw, 660_000);
    // In order, first time: neither container was restarted.
    expect(await inspect(rt, '{{.RestartCount}}')).toBe('0');
    expect(await inspect(gw, '{{.RestartCount}}')).toBe('0');
    const gwConfig = JSON.parse(await exec(gw, ['cat', '/home/node/.openclaw/openclaw.json'])) as { agents: { entries: Record<string, unknown> }; browser: { executablePath: string } };
    expect(Object.keys(gwConfig.agents.entries).sort()).toEqual(['engineer', 'orion', 'qa']);
    await exec(gw, ['test', '-f', '/workspace/agents/engineer/SOUL.md']);
    await exec(gw, ['test', '-d', '/workspace/agents/engineer/worktrees']);
    const models = await waitFor('/v1/models to list the agents', async () => {
      const res = await fetch(`http://127.0.0.1:${gwPort}/v1/models`, { headers: { authorization: `Bearer ${GATEWAY_TOKEN}` }, signal: AbortSignal.timeout(5000) });
      const ids = res.ok ? ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id) : [];
      return ids.includes('openclaw/engineer') ? ids : undefined;
    }, 60_000);
    expect(models).toEqual(expect.arrayContaining(['openclaw/orion', 'openclaw/engineer', 'openclaw/qa']));
    expect(await httpStatus(`http://127.0.0.1:${gwPort}/v1/models`)).toBe(401);
    await waitFor('the runtime to be ready', async () => ((await httpStatus(`http://127.0.0.1:${port}/readyz`)) === 200 ? true : undefined), 60_000);

    // Secrets: the runtime holds SERVICE_TOKEN; neither the gateway container nor its gateway process does.
    expect(await exec(rt, ['printenv', 'SERVICE_TOKEN'])).toContain(SERVICE_TOKEN);
    expect(await exec(gw, ['printenv'])).not.toContain('SERVICE_TOKEN');
    // The gateway names its process `openclaw-gateway`.
    const gatewayPid = (await exec(gw, ['sh', '-c', 'for p in /proc/[0-9]*; do case "$(tr "\\0" " " < $p/cmdline 2>/dev/null)" in openclaw-gateway*) echo ${p#/proc/};; esac; done | head -1'])).trim();
    expect(gatewayPid).toMatch(/^\d+$/);
    const environ = await exec(gw, ['cat', `/proc/${gatewayPid}/environ`]);
    expect(environ).toContain('OPENCLAW_GATEWAY_TOKEN=');
    expect(environ).not.toContain('SERVICE_TOKEN');

    // Git: GH_TOKEN reaches git through the credential helper, never a file or the log.
    const cred = await docker(['exec', '-i', gw, 'git', 'credential', 'fill'], { input: 'protocol=https\nhost=github.com\n\n' });
    expect(cred).toContain(`password=${GH_TOKEN}`);
    expect((await sh('docker', ['exec', gw, 'grep', '-rqs', GH_TOKEN, '/etc', '/home/node'])).code).not.toBe(0);
    const gwLogs = await sh('docker', ['logs', gw]);
    expect(gwLogs.stdout + gwLogs.stderr).not.toContain(GH_TOKEN);
    expect(gwLogs.stdout + gwLogs.stderr).not.toContain(GATEWAY_TOKEN);
    expect(gwLogs.stdout + gwLogs.stderr).toContain(`Control UI: http://localhost:${gwPort}/`);

    // Web tools: Chromium is installed, configured, and starts headless without a sandbox.
    expect(gwConfig.browser.executablePath).toBe('/usr/bin/chromium');
    expect(await exec(gw, ['chromium', '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--dump-dom', 'data:text/html,<p>ctest-ok</p>'])).toContain('ctest-ok');

    // Stop: both exit 0 (the gateway within its grace, the runtime after its drain).
    await docker([...composeArgs(project, true), 'stop'], { env: env(), timeoutMs: 400_000 });
    expect(await inspect(rt, '{{.State.ExitCode}}')).toBe('0');
    expect(await inspect(gw, '{{.State.ExitCode}}')).toBe('0');
    await docker([...composeArgs(project, true), 'down', '-v'], { env: env() });
  }, 900_000);
});

