/**
 * A strict checker for the Prometheus text exposition format (version 0.0.4),
 * used by the tests to prove /metrics is valid. It rejects what a scraper
 * rejects or silently mangles, and a little more by our conventions:
 *
 * - names: metric `[a-zA-Z_:][a-zA-Z0-9_:]*`, label `[a-zA-Z_][a-zA-Z0-9_]*`, no `__` prefix;
 * - `# HELP` and `# TYPE` at most once per family, both before the family's first sample;
 *   every family has a TYPE (prom-client always writes one);
 * - a family's lines are contiguous (never reopened after another family);
 * - label values escape only `\\`, `\"`, `\n`; HELP escapes only `\\`, `\n`;
 * - values are floats as Go's ParseFloat reads them (`+Inf`, `-Inf`, `NaN`); no sample timestamps;
 * - no duplicate series; no duplicate label name within a sample;
 * - counters end in `_total` and are >= 0;
 * - histograms: per label set, `_bucket` lines in increasing `le` with cumulative
 *   counts, a last `le="+Inf"` bucket equal to `_count`, plus `_sum` and `_count`;
 * - summaries: `quantile` in [0, 1] plus `_sum` and `_count`;
 * - the text ends with a line feed.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  line: number;
}

export interface Family {
  name: string;
  type: MetricType | undefined;
  help: string | undefined;
  samples: Sample[];
}

export interface ParseResult {
  families: Map<string, Family>;
  errors: string[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * A sample value as Go's strconv.ParseFloat reads it (the format's definition):
 * decimal floats, and NaN / Inf / Infinity with any sign and in any case
 * (prom-client writes `Nan` for an empty event-loop histogram; Prometheus accepts it).
 */
export function parseFloatValue(text: string): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) {
    if (special[2].toLowerCase() === 'nan') return special[1] ? undefined : NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  return FLOAT.test(text) ? Number(text) : undefined;
}

/** Unescapes a HELP docstring; returns undefined on an invalid escape. */
function unescapeHelp(text: string): string | undefined {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\\') {
      out += text[i];
      continue;
    }
    const next = text[++i];
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else return undefined;
  }
  return out;
}

interface SampleParse {
  name: string;
  labels: Array<[string, string]>;
  rest: string;
}

/** Parses `name{a="b",…}` and returns the remainder (value and maybe timestamp). */
function parseSampleHead(line: string): SampleParse | string {
  const nameMatch = /^[^\s{]+/.exec(line);
  if (!nameMatch) return 'missing metric name';
  const name = nameMatch[0];
  if (!METRIC_NAME.test(name)) return `invalid metric name "${name}"`;
  let i = name.length;
  const labels: Array<[string, string]> = [];
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const ln = /^[^=\s}]*/.exec(line.slice(i))![0];
      if (!LABEL_NAME.test(ln)) return `invalid label name "${ln}"`;
      if (ln.startsWith('__')) return `label name "${ln}" is reserved (starts with __)`;
      i += ln.length;
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] !== '=') return `expected = after label ${ln}`;
      i++;
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] !== '"') return `label ${ln}: value must be double-quoted`;
      i++;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) return `label ${ln}: unterminated value`;
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\') {
          const n = line[i + 1];
          if (n === '\\') value += '\\';
          else if (n === '"') value += '"';
          else if (n === 'n') value += '\n';
          else return `label ${ln}: invalid escape \\${n ?? ''}`;
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      labels.push([ln, value]);
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] === ',') {
        i++;
        continue;
      }
      if (line[i] === '}') {
        i++;
        break;
      }
      return `label ${ln}: expected , or } after the value`;
    }
  }
  if (line[i] !== ' ' && line[i] !== '\t') return 'expected whitespace before the value';
  return { name, labels, rest: line.slice(i).trim() };
}

function seriesKey(name: string, labels: Record<string, string>, omit?: string): string {
  const parts = Object.keys(labels)
    .filter((k) => k !== omit)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${name}{${parts.join(',')}}`;
}

/** The family a sample name belongs to, given the families declared so far. */
function familyOf(name: string, families: Map<string, Family>): string {
  if (families.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const t = families.get(base)?.type;
    if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
  }
  return name;
}

export function parseExposition(text: string): ParseResult {
  const errors: string[] = [];
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: string | undefined;
  const at = (n: number, msg: string) => errors.push(`line ${n}: ${msg}`);

  if (text.length > 0 && !text.endsWith('\n')) errors.push('the exposition must end with a line feed');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();

  /** Enters `name`'s family; reports a reopened family. */
  const enter = (name: string, n: number): Family => {
    if (current !== name) {
      if (current !== undefined) closed.add(current);
      if (closed.has(name)) at(n, `family ${name} appears again after other families (its lines must be contiguous)`);
      current = name;
    }
    let f = families.get(name);
    if (!f) {
      f = { name, type: undefined, help: undefined, samples: [] };
      families.set(name, f);
    }
    return f;
  };

  lines.forEach((raw, idx) => {
    const n = idx + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(raw);
      if (!m) return; // an ordinary comment
      const [, kind, name, rest = ''] = m;
      if (!METRIC_NAME.test(name)) return void at(n, `invalid metric name "${name}" in # ${kind}`);
      const f = enter(name, n);
      if (f.samples.length > 0) at(n, `# ${kind} for ${name} after its samples`);
      if (kind === 'HELP') {
        if (f.help !== undefined) at(n, `second # HELP for ${name}`);
        const help = unescapeHelp(rest);
        if (help === undefined) at(n, `invalid escape in # HELP for ${name} (only \\\\ and \\n are allowed)`);
        f.help = help ?? rest;
      } else {
        if (f.type !== undefined) at(n, `second # TYPE for ${name}`);
        if (!TYPES.has(rest.trim())) at(n, `unknown type "${rest.trim()}" for ${name}`);
        else f.type = rest.trim() as MetricType;
      }
      return;
    }
    const head = parseSampleHead(raw);
    if (typeof head === 'string') return void at(n, head);
    const fields = head.rest.split(/[ \t]+/).filter(Boolean);
    if (fields.length === 0) return void at(n, `${head.name}: missing value`);
    if (fields.length > 2) return void at(n, `${head.name}: unexpected text after the value`);
    if (fields.length === 2) at(n, `${head.name}: sample has a timestamp (${fields[1]}); exporters must not set one`);
    const value = parseFloatValue(fields[0]);
    if (value === undefined) return void at(n, `${head.name}: invalid value "${fields[0]}"`);
    const labels: Record<string, string> = {};
    for (const [k, v] of head.labels) {
      if (k in labels) at(n, `${head.name}: label ${k} given twice`);
      labels[k] = v;
    }
    const familyName = familyOf(head.name, families);
    const f = enter(familyName, n);
    if (f.type === undefined && f.samples.length === 0) at(n, `${familyName}: sample before its # TYPE line (or no # TYPE at all)`);
    const key = seriesKey(head.name, labels);
    if (series.has(key)) at(n, `duplicate series ${key}`);
    series.add(key);
    f.samples.push({ name: head.name, labels, value, line: n });
  });

  for (const f of families.values()) checkFamily(f, at);
  return { families, errors };
}

function checkFamily(f: Family, at: (n: number, msg: string) => void): void {
  const line = f.samples[0]?.line ?? 0;
  const type = f.type ?? 'untyped';
  if (type === 'counter') {
    if (!f.name.endsWith('_total')) at(line, `counter ${f.name} must end in _total`);
    for (const s of f.samples) {
      if (s.name !== f.name) at(s.line, `counter ${f.name} has a sample named ${s.name}`);
      if (s.value < 0) at(s.line, `counter ${f.name} is negative`);
    }
    return;
  }
  if (type === 'gauge' || type === 'untyped') {
    for (const s of f.samples) if (s.name !== f.name) at(s.line, `${type} ${f.name} has a sample named ${s.name}`);
    return;
  }
  if (type === 'histogram') return checkHistogram(f, at);
  checkSummary(f, at);
}

function checkHistogram(f: Family, at: (n: number, msg: string) => void): void {
  const groups = new Map<string, { buckets: Sample[]; sum?: Sample; count?: Sample }>();
  const group = (s: Sample) => {
    const k = seriesKey('', s.labels, 'le');
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { buckets: [] }));
    return g;
  };
  for (const s of f.samples) {
    if (s.name === `${f.name}_bucket`) {
      if (s.labels.le === undefined) at(s.line, `${s.name} without an le label`);
      else group(s).buckets.push(s);
    } else if (s.name === `${f.name}_sum` || s.name === `${f.name}_count`) {
      if (s.labels.le !== undefined) at(s.line, `${s.name} must not carry an le label`);
      const g = group(s);
      if (s.name.endsWith('_sum')) g.sum = s;
      else g.count = s;
    } else at(s.line, `histogram ${f.name} has a sample named ${s.name}`);
  }
  for (const [k, g] of groups) {
    const where = `histogram ${f.name}${k.replace(/^\{\}$/, '')}`;
    const first = g.buckets[0]?.line ?? g.count?.line ?? g.sum?.line ?? 0;
    if (g.buckets.length === 0) at(first, `${where}: no _bucket lines`);
    let prevLe = -Infinity;
    let prevCount = -Infinity;
    for (const b of g.buckets) {
      const le = parseFloatValue(b.labels.le);
      if (le === undefined || Number.isNaN(le)) {
        at(b.line, `${where}: invalid le "${b.labels.le}"`);
        continue;
      }
      if (le <= prevLe) at(b.line, `${where}: le ${b.labels.le} is not greater than the previous bucket`);
      if (b.value < prevCount) at(b.line, `${where}: bucket le=${b.labels.le} is smaller than the previous one (buckets are cumulative)`);
      prevLe = le;
      prevCount = b.value;
    }
    const last = g.buckets[g.buckets.length - 1];
    if (last && last.labels.le !== '+Inf') at(last.line, `${where}: the last bucket must be le="+Inf"`);
    if (!g.sum) at(first, `${where}: missing ${f.name}_sum`);
    if (!g.count) at(first, `${where}: missing ${f.name}_count`);
    if (g.count && last?.labels.le === '+Inf' && g.count.value !== last.value) at(g.count.line, `${where}: _count ${g.count.value} differs from the +Inf bucket ${last.value}`);
  }
}

function checkSummary(f: Family, at: (n: number, msg: string) => void): void {
  const groups = new Map<string, { sum?: Sample; count?: Sample; line: number }>();
  for (const s of f.samples) {
    const k = seriesKey('', s.labels, 'quantile');
    const g = groups.get(k) ?? { line: s.line };
    groups.set(k, g);
    if (s.name === f.name) {
      const q = s.labels.quantile === undefined ? undefined : parseFloatValue(s.labels.quantile);
      if (q === undefined || !(q >= 0 && q <= 1)) at(s.line, `summary ${f.name}: quantile must be in [0, 1]`);
    } else if (s.name === `${f.name}_sum`) g.sum = s;
    else if (s.name === `${f.name}_count`) g.count = s;
    else at(s.line, `summary ${f.name} has a sample named ${s.name}`);
  }
  for (const g of groups.values()) {
    if (!g.sum) at(g.line, `summary ${f.name}: missing _sum`);
    if (!g.count) at(g.line, `summary ${f.name}: missing _count`);
  }
}

/** Throws with every problem listed; returns the parsed families otherwise. */
export function assertValidExposition(text: string): Map<string, Family> {
  const { families, errors } = parseExposition(text);
  if (errors.length > 0) throw new Error(`invalid Prometheus exposition (${errors.length} problems):\n  ${errors.join('\n  ')}`);
  return families;
}

/** The value of one series, matching the given labels exactly (after the family parse). */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.get(familyOf(name, families));
  const key = seriesKey(name, labels);
  return family?.samples.find((s) => seriesKey(s.name, s.labels) === key)?.value;
}
