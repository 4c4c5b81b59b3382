/**
 * The container image's own start-up and memory: what a fleet of one
 * container per account pays. Measured inside the image (its node, its dist/,
 * its config), so the figure is the runtime's and not Docker's container
 * set-up: a small Node script started as the container's command spawns
 * the image's CMD (`node --max-semi-space-size=1 bin/mc-runtime.js start`), polls /livez, and reads the child's RSS from
 * /proc 5 s after it answered. The image runs its defaults (the embedded
 * backend; no gateway is reachable, which /livez does not depend on).
 *
 * Needs `docker` (on these machines: ../shared/container-lab/lab.sh setup).
 * BENCH_IMAGE names an image to measure instead of building one from the checkout.
 */
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../tests/support/cli.ts';
import { median } from './lib/stats.ts';

export interface ImageFigures {
  image: string;
  livezMs: number;
  livezMsRuns: number[];
  idleRssMiB: number;
}

/**
 * Runs inside the container (node -e): spawn the image's CMD (argv in MC_BENCH_CMD, JSON), poll
 * /livez, sample RSS, print one JSON line.
 */
const PROBE = `
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
// node:http, loaded before the clock starts: fetch would load undici while the runtime starts.
const http = require('node:http');
const status = (url) => new Promise((resolve, reject) => {
  const req = http.get(url, { agent: false, timeout: 500 }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', reject);
});
const [cmd, ...args] = JSON.parse(process.env.MC_BENCH_CMD);
const t0 = performance.now();
const child = spawn(cmd, args, { stdio: 'ignore', env: { ...process.env, HEALTH_PORT: '3999' } });
(async () => {
  let livezMs;
  for (;;) {
    try { if ((await status('http://127.0.0.1:3999/livez')) === 200) { livezMs = performance.now() - t0; break; } } catch {}
    if (performance.now() - t0 > 60000) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 5000));
  const m = /VmRSS:\\s+(\\d+) kB/.exec(readFileSync('/proc/' + child.pid + '/status', 'utf8'));
  console.log(JSON.stringify({ livezMs, rssMiB: m ? Number(m[1]) / 1024 : null }));
  child.kill('SIGTERM');
  child.on('close', () => process.exit(0));
})();
`;

export function dockerAvailable(): string | undefined {
  const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `docker is not available (${(r.stderr || r.error?.message || '').trim().split('\n')[0]})`;
}

export function image(runs: number): ImageFigures {
  let tag = process.env.BENCH_IMAGE;
  if (!tag) {
    tag = 'mission-control-runtime:bench';
    const built = spawnSync('docker', ['build', '-q', '-t', tag, '.'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? '0' },
    });
    if (built.status !== 0) throw new Error(`docker build failed: ${built.stderr.slice(-2000)}`);
  }
  // The container's own command line (the Dockerfile's CMD), started by the probe.
  const inspected = spawnSync('docker', ['image', 'inspect', '--format', '{{json .Config.Cmd}}', tag], { encoding: 'utf8' });
  if (inspected.status !== 0) throw new Error(`docker image inspect ${tag} failed: ${inspected.stderr.slice(-2000)}`);
  const cmd = inspected.stdout.trim();
  const samples: Array<{ livezMs: number; rssMiB: number }> = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync('docker', ['run', '--rm', '-e', `MC_BENCH_CMD=${cmd}`, '--entrypoint', 'node', tag, '-e', PROBE], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`probe in ${tag} failed (${r.status}): ${r.stderr.slice(-2000)}`);
    samples.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!));
  }
  return {
    image: tag,
    livezMs: median(samples.map((s) => s.livezMs)),
    livezMsRuns: samples.map((s) => Math.round(s.livezMs)),
    idleRssMiB: median(samples.map((s) => s.rssMiB)),
  };
}
