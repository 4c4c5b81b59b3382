/**
 * Summarises a V8 `.cpuprofile` (written by `--cpu-prof`, see BENCH_CPU_PROF in
 * runtime-process.ts) over a time window: where the runtime's CPU went while it
 * delivered a burst. Two views of the same samples:
 *
 * - **self time by where the code lives**: each dependency package, each module
 *   of core/ and plugins/, Node's internals by area, the (garbage collector) and
 *   (program) buckets; builtins without a script (JSON.parse, RegExp, …) are
 *   named when they are JSON, else counted with their caller;
 * - **inclusive time by the runtime module that asked for it**: the deepest frame
 *   of core/ or plugins/ on each sample's stack (so pino's time spent for
 *   delivery's log lines counts for plugins/delivery/…).
 *
 * Timestamps of a profile are CLOCK_MONOTONIC microseconds, the clock of
 * `process.hrtime`, so the bench passes its own hrtime window.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** CPU ms sampled in the window (idle excluded). */
  cpuMs: number;
  idleMs: number;
  self: Array<[string, number]>;
  inclusive: Array<[string, number]>;
  /** Self time by what the code is for (CATEGORIES), from the `self` keys. */
  categories: Array<[string, number]>;
}

/** What a self-time key is for; the first pattern that matches wins. */
const CATEGORIES: Array<[string, RegExp]> = [
  ['garbage collection', /^\(garbage collector\)$/],
  ['HTTP (node:http, net, streams, core/http-client)', /^node (_http|net|internal\/stream|internal\/streams|stream|internal\/http|internal\/url|url|internal\/abort|internal\/event_target|internal\/webidl|events|internal\/events|buffer|internal\/buffer|internal\/deps)|^core\/(http-client|http1\/)|^plugins\/(gateway-openclaw|backend-convex)\/client$/],
  ['convex client (value encoding, envelope)', /^dep convex|^plugins\/backend-convex/],
  ['JSON parse/stringify', /^builtin JSON/],
  ['SQLite delivery store', /^plugins\/delivery\/(store|attempt-log|tool-ledger|cached-db)$/],
  ['logging (pino, redaction, stdout)', /^dep (pino|@pinojs|sonic-boom|fast-redact|quick-format)|^core\/logger|^node fs$/],
  ['metrics (prom-client)', /^dep prom-client|^core\/(backend-metrics|metrics)$/],
  ['prompt building', /^plugins\/delivery\/prompt/],
  ['hooks (tapable, facades)', /^dep tapable|^core\/(hook-facade|hooks)$/],
  ['tools executor, capabilities', /^core\/tools|^plugins\/tools-/],
  ['delivery loop, pool, outcomes', /^plugins\/delivery/],
  ['gateway plugin (turn, request, response)', /^plugins\/gateway-openclaw/],
  ['promises, ticks, timers', /^node internal\/(process|timers)|^node timers|^\(program\)$/],
];

/** Now on the profile's clock (µs). */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** The profile file a process wrote into `dir` (Node names it after the pid). */
export function profileOf(dir: string, pid: number): string | undefined {
  // `mc-runtime start` re-executes itself with its V8 flags under the same pid: the short-lived
  // first process writes a small profile too, so take the largest.
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile') && name.includes(`.${pid}.`))
    .map((name) => path.join(dir, name));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

function ours(url: string): string | undefined {
  const m = /\/(?:dist\/)?((?:core|plugins\/[^/]+|sdk)\/.*?)\.(?:ts|js)$/.exec(url);
  return m && !url.includes('/node_modules/') ? m[1] : undefined;
}

function whereSelf(url: string): string | undefined {
  if (!url) return undefined;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return `dep ${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  return ours(url) ?? url.replace(/^.*\//, '');
}

export function summariseProfile(file: string, fromUs: number, toUs: number): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfKey = new Map<number, string>();
  const keyOf = (id: number): string => {
    const cached = selfKey.get(id);
    if (cached) return cached;
    const { functionName: fn, url } = byId.get(id)!.callFrame;
    let key = whereSelf(url);
    if (!key) {
      if (fn.startsWith('(')) key = fn;
      else if (/^(JSON\.)?(parse|stringify)$/.test(fn)) key = `builtin JSON.${fn.replace(/^JSON\./, '')}`;
      else {
        const p = parent.get(id);
        key = p === undefined ? `builtin ${fn || '(anonymous)'}` : keyOf(p);
      }
    }
    selfKey.set(id, key);
    return key;
  };
  const inclusiveKey = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const cached = inclusiveKey.get(id);
    if (cached) return cached;
    const { functionName: fn, url } = byId.get(id)!.callFrame;
    const p = parent.get(id);
    const key = ours(url) ?? (p === undefined ? (fn.startsWith('(') ? fn : '(no runtime frame on the stack)') : ownerOf(p));
    inclusiveKey.set(id, key);
    return key;
  };

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let t = profile.startTime;
  let cpuMs = 0;
  let idleMs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < fromUs || t > toUs) return;
    // A sample's delta is the time since the previous sample: the time this sample stands for.
    const ms = delta / 1000;
    const key = keyOf(id);
    if (key === '(idle)') {
      idleMs += ms;
      return;
    }
    cpuMs += ms;
    self.set(key, (self.get(key) ?? 0) + ms);
    const owner = ownerOf(id);
    inclusive.set(owner, (inclusive.get(owner) ?? 0) + ms);
  });
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  const categories = new Map<string, number>();
  for (const [key, ms] of self) {
    const category = CATEGORIES.find(([, re]) => re.test(key))?.[0] ?? 'other';
    categories.set(category, (categories.get(category) ?? 0) + ms);
  }
  return { cpuMs, idleMs, self: sorted(self), inclusive: sorted(inclusive), categories: sorted(categories) };
}

/** Prints a summary per notification (ms per notification, share of the sampled CPU). */
export function printProfile(title: string, s: ProfileSummary, perN: number, top = 25): void {
  const line = ([k, ms]: [string, number]) =>
    `    ${k.padEnd(52)} ${(ms / perN).toFixed(3).padStart(7)} ms/notif ${((ms / s.cpuMs) * 100).toFixed(1).padStart(5)}%`;
  console.error(`  ${title}: ${s.cpuMs.toFixed(0)} ms sampled CPU (${(s.cpuMs / perN).toFixed(2)} ms per notification), idle ${s.idleMs.toFixed(0)} ms`);
  console.error('   self time by what it is for:');
  for (const e of s.categories) console.error(line(e));
  console.error('   self time by where the code lives:');
  for (const e of s.self.slice(0, top)) console.error(line(e));
  console.error('   inclusive time by the runtime module on the stack:');
  for (const e of s.inclusive.slice(0, top)) console.error(line(e));
}
