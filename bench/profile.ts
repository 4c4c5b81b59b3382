/**
 * `npm run bench:profile`: where start-up time and idle memory go, from a
 * profile rather than a guess. Starts the runtime (config/default.json on the
 * Convex wire server, as the bench does) in each mode:
 *
 * - with `--cpu-prof` until "runtime started", then SIGTERM: self time grouped
 *   by where the code lives (node internals incl. the module loader, each
 *   dependency package, core/, each plugin) and the (garbage collector) /
 *   (program) buckets;
 * - with `--heapsnapshot-signal`, 5 s after start: the V8 heap by node type and
 *   the largest object groups, next to process.memoryUsage-like figures from /proc.
 *
 * Writes the raw .cpuprofile/.heapsnapshot files to a temp dir (printed) for
 * Chrome DevTools.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { distIsFresh } from '../scripts/dist-freshness.mjs';
import { freePort } from '../tests/support/free-port.ts';
import { createWorld } from './lib/world.ts';
import { firstOk, LAUNCH_FLAGS, startRuntime, type RunMode } from './lib/runtime-process.ts';

import type { CpuProfile } from './lib/cpu-profile.ts';

function group(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native/builtin)';
  if (url.startsWith('node:')) return 'node internals (incl. module loader)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return `dep ${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const m = /\/(core|plugins|sdk)\/([^/]+)/.exec(url);
  if (m) return m[1] === 'plugins' ? `plugin ${m[2]}` : m[1];
  return url.replace(/^.*\//, '');
}

function summariseCpu(file: string): Array<[string, number]> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    const key = group(node.callFrame.url, node.callFrame.functionName);
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function summariseHeap(file: string): { byType: Array<[string, number]>; topNames: Array<[string, number]> } {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const byType = new Map<string, number>();
  const byName = new Map<string, number>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    const size = snap.nodes[i + sizeAt];
    byType.set(type, (byType.get(type) ?? 0) + size);
    const name = type === 'code' || type === 'string' || type === 'concatenated string' || type === 'sliced string' ? `(${type})` : `${type}:${snap.strings[snap.nodes[i + nameAt]].slice(0, 60)}`;
    byName.set(name, (byName.get(name) ?? 0) + size);
  }
  const mib = (m: Map<string, number>) => [...m.entries()].map(([k, v]) => [k, v / 1024 / 1024] as [string, number]).sort((a, b) => b[1] - a[1]);
  return { byType: mib(byType), topNames: mib(byName).slice(0, 15) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const out = mkdtempSync(path.join(tmpdir(), 'mc-profile-'));
const world = await createWorld({ agents: 3, delayMs: () => 50 });
const modes: RunMode[] = distIsFresh() ? ['sources', 'compiled'] : ['sources'];
try {
  for (const mode of modes) {
    const dir = path.join(out, mode);
    const port = await freePort();
    const rt = startRuntime(world.env({ HEALTH_PORT: String(port) }), mode, [...LAUNCH_FLAGS, '--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const livez = await firstOk(`http://127.0.0.1:${port}/livez`, rt);
    await rt.waitFor(/"msg":"runtime started"/);
    await rt.stop();
    const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
    const cpu = summariseCpu(path.join(dir, prof));
    const total = cpu.reduce((s, [, ms]) => s + ms, 0);
    console.log(`\n== ${mode}: start -> /livez ${livez.toFixed(0)} ms; CPU profile until "runtime started": ${total.toFixed(0)} ms sampled`);
    for (const [k, ms] of cpu.slice(0, 14)) console.log(`  ${k.padEnd(42)} ${ms.toFixed(0).padStart(6)} ms  ${((ms / total) * 100).toFixed(0).padStart(3)}%`);

    const hdir = path.join(out, `${mode}-heap`);
    const port2 = await freePort();
    const rt2 = startRuntime(world.env({ HEALTH_PORT: String(port2) }), mode, [...LAUNCH_FLAGS, '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${hdir}`]);
    await rt2.waitFor(/"msg":"runtime started"/);
    await sleep(5000);
    const status = readFileSync(`/proc/${rt2.pid}/status`, 'utf8');
    const kb = (f: string) => Number(new RegExp(`${f}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
    rt2.child.kill('SIGUSR2');
    let snapFile: string | undefined;
    for (let i = 0; i < 600 && !snapFile; i++) {
      await sleep(100);
      snapFile = existsSync(hdir) ? readdirSync(hdir).find((f) => f.endsWith('.heapsnapshot')) : undefined;
    }
    await sleep(1000);
    await rt2.stop();
    console.log(`  RSS ${kb('VmRSS').toFixed(0)} MiB (anon ${kb('RssAnon').toFixed(0)}, file-backed ${kb('RssFile').toFixed(0)})`);
    if (!snapFile) continue;
    const heap = summariseHeap(path.join(hdir, snapFile));
    const heapTotal = heap.byType.reduce((s, [, v]) => s + v, 0);
    console.log(`  V8 heap (snapshot, 5 s idle): ${heapTotal.toFixed(1)} MiB by node type:`);
    for (const [k, v] of heap.byType.slice(0, 8)) console.log(`    ${k.padEnd(24)} ${v.toFixed(1).padStart(6)} MiB`);
    console.log('  largest groups:');
    for (const [k, v] of heap.topNames.slice(0, 10)) console.log(`    ${k.padEnd(60)} ${v.toFixed(1).padStart(6)} MiB`);
  }
} finally {
  await world.close();
}
console.log(`\nraw profiles: ${out}`);
