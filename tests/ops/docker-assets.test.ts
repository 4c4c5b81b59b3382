/**
 * The container assets, checked without Docker (the real builds and stacks are
 * `npm run test:containers`, tests/containers/): files the Dockerfiles copy and
 * run exist, signals reach node (exec form), the health check command really
 * passes against a live runtime and fails without one, and the Compose file
 * has the order, timing, probe and secret rules of docs/compose.md.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.ts';
import { createTestKernel, type TestKernel } from '../support/test-kernel.ts';
import { RUNTIME_ENV } from '../../core/config/index.ts';
import { RuntimeSectionSchema } from '../../core/config/file.ts';
import { HttpServiceRef } from '../../core/services.ts';

const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
/** Instructions with line continuations joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const argsOf = (keyword: string) => instructions.filter((l) => l.startsWith(`${keyword} `)).map((l) => l.slice(keyword.length + 1).trim());

/** The JSON (exec-form) array of an instruction; throws on shell form. */
function execForm(text: string): string[] {
  const json = text.slice(text.indexOf('['));
  return JSON.parse(json) as string[];
}

/** "30s", "5m30s", "10" (seconds) as seconds. */
function seconds(text: string): number {
  let total = 0;
  for (const [, n, unit] of String(text).matchAll(/(\d+)(h|m|s)?/g)) total += Number(n) * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1);
  return total;
}

function runNode(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 });
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

describe('Dockerfile', () => {
  it('copies only paths that exist and are not excluded by .dockerignore', () => {
    const ignored = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const sources = argsOf('COPY')
      .filter((a) => !a.startsWith('--from'))
      .flatMap((a) => a.split(/\s+/).slice(0, -1));
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'bin/', 'core/', 'plugins/', 'config/']));
    for (const source of sources) {
      expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
      expect(ignored, source).not.toContain(source.replace(/\/$/, ''));
    }
  });

  it('has no `# syntax=` line (BuildKit would fetch a frontend from Docker Hub for nothing)', () => {
    for (const file of ['Dockerfile', 'openclaw/Dockerfile']) {
      expect(readFileSync(path.join(REPO_ROOT, file), 'utf8'), file).not.toMatch(/^#\s*syntax\s*=/m);
    }
  });

  it('listens on all interfaces inside the container, so `docker run -p` reaches it', () => {
    const env = argsOf('ENV').join(' ');
    expect(env).toMatch(/HEALTH_HOST=0\.0\.0\.0/);
  });

  it('copies every module the gateway entrypoint imports into the gateway image', () => {
    const gatewayDockerfile = readFileSync(path.join(REPO_ROOT, 'openclaw', 'Dockerfile'), 'utf8');
    const copy = gatewayDockerfile.split('\n').find((l) => l.startsWith('COPY openclaw.base.json'))!;
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      expect(copy, file).toContain(` ${file}`);
      const text = readFileSync(path.join(REPO_ROOT, 'openclaw', file), 'utf8');
      for (const [, dep] of text.matchAll(/from '\.\/([\w-]+\.ts)'/g)) visit(dep);
    };
    visit('entrypoint.ts');
    expect(seen.size).toBeGreaterThan(1);
  });

  it('runs bin/mc-runtime.js start in exec form so SIGTERM reaches node, with the flags npm start passes', () => {
    const [cmd] = argsOf('CMD');
    expect(execForm(cmd)).toEqual(['node', '--max-semi-space-size=1', 'bin/mc-runtime.js', 'start']);
    // The same command line as `npm start`: the V8 flag without a second exec (bin/mc-runtime.js).
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(execForm(cmd).join(' ')).toBe(pkg.scripts.start);
    expect(existsSync(path.join(REPO_ROOT, 'bin', 'mc-runtime.js'))).toBe(true);
    expect(argsOf('STOPSIGNAL')).toEqual(['SIGTERM']);
    expect(argsOf('USER')).toEqual(['node']);
    // The version is knowable in the image: a build argument, else package.json (copied above).
    expect(dockerfile).toMatch(/ARG RUNTIME_VERSION/);
    expect(dockerfile).toMatch(/RUNTIME_VERSION=\$\{RUNTIME_VERSION\}/);
  });

  it("makes the start command's code cache at build time with the CMD's node flags, as the image's user, on a throwaway data dir", () => {
    const [cmd] = argsOf('CMD');
    const run = argsOf('RUN').find((r) => r.includes('bin/mc-runtime.js start'));
    expect(run, 'a RUN that starts the runtime once').toBeDefined();
    // bin/load-program.js: the cache is made under these V8 flags and read under the CMD's.
    expect(run).toContain(execForm(cmd).join(' '));
    expect(run).toMatch(/RUNTIME_DATA_DIR=\/tmp\//);
    // The Convex adapter: the plugins production runs (nothing listens at the address).
    expect(run).toMatch(/CONVEX_URL=http:\/\/127\.0\.0\.1:\d+ /);
    const userAt = instructions.findIndex((l) => l === 'USER node');
    const runAt = instructions.findIndex((l) => l.startsWith('RUN ') && l.includes('bin/mc-runtime.js start'));
    expect(userAt).toBeGreaterThanOrEqual(0);
    expect(runAt, 'after USER node: a cache directory is used only by its owner').toBeGreaterThan(userAt);
    expect(run).toMatch(/ls \/app\/\.compile-cache\/mc-runtime-\*\/\*-start\.\*/);
  });

  describe('HEALTHCHECK', () => {
    let t: TestKernel;
    beforeAll(async () => {
      t = await createTestKernel({ plugins: [{ use: 'http', options: { port: 0 } }, { use: 'runtime-info' }, { use: 'health' }] });
      await t.kernel.start();
    });
    afterAll(() => t.kernel.stop());

    const [healthcheck] = argsOf('HEALTHCHECK');
    const command = execForm(healthcheck.slice(healthcheck.indexOf('CMD')));

    it('probes /livez with node (the slim image has no curl)', () => {
      expect(command[0]).toBe('node');
      expect(command.join(' ')).toContain('/livez');
    });

    it('passes against a live runtime and fails when nothing listens', async () => {
      const port = t.kernel.services.get(HttpServiceRef)!.address()!.port;
      expect(await runNode(command.slice(1), { HEALTH_PORT: String(port) })).toBe(0);
      await t.kernel.stop();
      expect(await runNode(command.slice(1), { HEALTH_PORT: String(port) })).toBe(1);
    });
  });
});

describe('docker-compose.runtime.yml', async () => {
  // js-yaml comes with the dev toolchain (eslint); the compose file is only parsed here.
  const yaml = (await import('js-yaml' as string)) as { load(text: string): unknown };
  const compose = yaml.load(readFileSync(path.join(REPO_ROOT, 'docker-compose.runtime.yml'), 'utf8')) as {
    services: Record<string, Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const runtime = compose.services.runtime;
  const gateway = compose.services['openclaw-gateway'];

  it('builds the runtime from this Dockerfile and probes /livez like the image does', () => {
    expect(existsSync(path.join(REPO_ROOT, runtime.build.context, runtime.build.dockerfile))).toBe(true);
    const [healthcheck] = argsOf('HEALTHCHECK');
    expect(runtime.healthcheck.test).toEqual(['CMD', ...execForm(healthcheck.slice(healthcheck.indexOf('CMD')))]);
  });

  it('binds all interfaces inside the container only, and publishes on the host loopback', () => {
    expect(runtime.environment.HEALTH_HOST).toBe('0.0.0.0');
    expect(runtime.ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:/)]);
  });

  it('gives the drain more time than the runtime budget before Docker kills it', () => {
    const grace = Number(/^(\d+)s$/.exec(runtime.stop_grace_period)![1]) * 1000;
    const budget = Number(/:-(\d+)\}$/.exec(runtime.environment.SHUTDOWN_TIMEOUT_MS)![1]);
    // The CLI's backstop fires 2 s after the budget.
    expect(grace).toBeGreaterThan(budget + 2_000);
    expect(RUNTIME_ENV.SHUTDOWN_TIMEOUT_MS.path).toBe('shutdownTimeoutMs');
    expect((RuntimeSectionSchema.properties.shutdownTimeoutMs as unknown as { default: number }).default).toBeLessThan(grace - 2_000);
    expect(runtime.stop_signal).toBe('SIGTERM');
  });

  it('reports status inside the backend staleness window', () => {
    expect(Number(/:-(\d+)\}$/.exec(runtime.environment.HEALTH_CHECK_INTERVAL)![1])).toBeLessThanOrEqual(60_000);
  });

  it('starts in order with no restart: the runtime first (it writes the roster), the gateway once the runtime is healthy', () => {
    // The old order (runtime waits for a healthy gateway) met a gateway that refuses to start without agents.
    expect(runtime.depends_on).toBeUndefined();
    expect(gateway.depends_on).toEqual({ runtime: { condition: 'service_healthy' } });
    expect(gateway.profiles).toEqual(['openclaw']);
    expect(gateway.healthcheck.test[0]).toBe('CMD');
  });

  it('makes the runtime healthy within seconds on every engine (no start_interval: Compose refuses it below Engine 25)', () => {
    expect(seconds(runtime.healthcheck.interval)).toBeLessThanOrEqual(10);
    expect(runtime.healthcheck.start_interval).toBeUndefined();
    expect(gateway.healthcheck.start_interval).toBeUndefined();
    const [healthcheck] = argsOf('HEALTHCHECK');
    expect(seconds(/--interval=(\w+)/.exec(healthcheck)![1])).toBeLessThanOrEqual(10);
  });

  it('gives the gateway more than its 315 s drain before Docker kills it', () => {
    expect(seconds(gateway.stop_grace_period)).toBeGreaterThan(315);
    expect(gateway.stop_signal).toBe('SIGTERM');
  });

  it('gives the gateway only its own secrets: never the runtime env file, never SERVICE_TOKEN', () => {
    const files = (gateway.env_file as ({ path: string } | string)[]).map((f) => (typeof f === 'string' ? f : f.path));
    expect(files).not.toContain('.env');
    expect(files).toEqual(['.env.gateway']);
    expect(JSON.stringify(gateway.environment)).not.toMatch(/SERVICE_TOKEN|CONVEX|ACCOUNT_ID/);
    expect(gateway.environment.OPENCLAW_GATEWAY_TOKEN).toBe('${OPENCLAW_GATEWAY_TOKEN:-}');
  });

  it('creates every volume mount point in the image, owned by node (a fresh named volume takes its owner)', () => {
    for (const [service, file] of [[runtime, 'Dockerfile'], [gateway, 'openclaw/Dockerfile']] as const) {
      const text = readFileSync(path.join(REPO_ROOT, file), 'utf8').replace(/\\\n/g, ' ');
      const mkdir = text.split('\n').find((l) => /^RUN mkdir -p .*chown/.test(l.trim()));
      expect(mkdir, file).toBeDefined();
      for (const volume of service.volumes as string[]) {
        const target = volume.split(':')[1];
        expect(mkdir, `${file}: ${target}`).toContain(` ${target}`);
        expect(mkdir, `${file}: chown node`).toMatch(/chown (-R )?node:node/);
      }
    }
  });

  it.skipIf(!existsSync(path.join(REPO_ROOT, 'openclaw')))('builds the gateway from openclaw/', () => {
    expect(existsSync(path.join(REPO_ROOT, gateway.build.context, 'Dockerfile'))).toBe(true);
  });
});
