/**
 * One plugin's options: schema defaults < config file < environment variables
 * (the plugin's declared `env` bindings), validated against the plugin's typebox
 * schema before its `register` runs.
 */
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import type { EnvBinding } from '../plugin.ts';
import { describeValue, pointer, type ConfigIssue } from './issues.ts';

type Env = Readonly<Record<string, string | undefined>>;

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** Parses one variable; returns an error message when the text does not fit the binding's type. */
export function parseEnvValue(raw: string, type: EnvBinding['type']): { value?: unknown; error?: string } {
  const text = raw.trim();
  switch (type) {
    case 'string':
      return { value: text };
    case 'integer':
      return /^-?\d+$/.test(text) ? { value: Number(text) } : { error: `expected an integer, got ${describeValue(raw)}` };
    case 'number': {
      const n = Number(text);
      return text !== '' && Number.isFinite(n) ? { value: n } : { error: `expected a number, got ${describeValue(raw)}` };
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (TRUE_WORDS.has(lower)) return { value: true };
      if (FALSE_WORDS.has(lower)) return { value: false };
      return { error: `expected true/false (or 1/0, yes/no, on/off), got ${describeValue(raw)}` };
    }
    case 'url': {
      try {
        const url = new URL(text);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: `only http and https URLs are allowed, got ${describeValue(raw)}` };
        return { value: text.replace(/\/+$/, '') };
      } catch {
        return { error: `expected a URL like http://127.0.0.1:18789, got ${describeValue(raw)}` };
      }
    }
  }
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (!next || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

function getPath(target: unknown, parts: string[]): unknown {
  let node = target;
  for (const part of parts) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Paths (as segment arrays) of schema properties marked `{ secret: true }`. */
export function secretPaths(schema: TSchema, prefix: string[] = []): string[][] {
  const s = schema as { secret?: boolean; properties?: Record<string, TSchema> };
  const out: string[][] = s.secret ? [prefix] : [];
  if (s.properties) for (const [k, v] of Object.entries(s.properties)) out.push(...secretPaths(v, [...prefix, k]));
  return out;
}

export function secretValues(schema: TSchema, options: unknown): string[] {
  return secretPaths(schema)
    .map((p) => getPath(options, p))
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
}

function schemaAt(schema: TSchema, parts: string[]): { properties?: Record<string, TSchema>; anyOf?: Array<{ const?: unknown }> } | undefined {
  let node = schema as { properties?: Record<string, TSchema>; anyOf?: Array<{ const?: unknown }> } | undefined;
  for (const part of parts) node = node?.properties?.[part] as typeof node;
  return node;
}

/** For enums and unions of literals: the allowed values, listed for the operator. */
function allowedValues(keyword: string, params: unknown, at: { anyOf?: Array<{ const?: unknown }> } | undefined): string | undefined {
  const listed = (params as { allowedValues?: unknown[] }).allowedValues;
  if (keyword === 'enum' && Array.isArray(listed)) return listed.map((v) => JSON.stringify(v)).join(', ');
  if (keyword === 'anyOf' && at?.anyOf?.every((m) => 'const' in m)) return at.anyOf.map((m) => JSON.stringify(m.const)).join(', ');
  return undefined;
}

export interface ResolveOptionsInput {
  pluginId: string;
  schema: TSchema;
  bindings: Record<string, EnvBinding> | undefined;
  fileOptions: Record<string, unknown> | undefined;
  /** Where the file options live, for messages: source file and pointer to `options`. */
  source: string;
  at: string;
  env: Env;
}

export function resolvePluginOptions(input: ResolveOptionsInput, issues: ConfigIssue[]): Record<string, unknown> | undefined {
  const { pluginId, schema, env } = input;
  const options: Record<string, unknown> = structuredClone(input.fileOptions ?? {});
  const envSourced = new Map<string, string>(); // option pointer -> variable
  let ok = true;
  for (const [name, binding] of Object.entries(input.bindings ?? {})) {
    const raw = env[name];
    if (raw === undefined || (raw === '' && !binding.allowEmpty)) continue;
    const parsed = raw === '' ? { value: '' } : parseEnvValue(raw, binding.type);
    const optionPointer = pointer(...binding.path.split('.'));
    if (parsed.error) {
      issues.push({ source: `env:${name}`, path: '', plugin: pluginId, message: parsed.error });
      ok = false;
      continue;
    }
    setPath(options, binding.path, parsed.value);
    envSourced.set(optionPointer, name);
  }
  const converted = Value.Convert(schema, options) as Record<string, unknown>;
  const withDefaults = Value.Default(schema, converted) as Record<string, unknown>;
  // Valid options (the usual case) skip collecting errors, which walks the whole schema again.
  if (ok && Value.Check(schema, withDefaults)) return withDefaults;
  for (const e of Value.Errors(schema, withDefaults)) {
    // Union members each report; the schema-level "anyOf" line is the useful one.
    if (e.schemaPath.includes('/anyOf/')) continue;
    // Unknown keys come twice (per key and per object); keep the per-key one, reworded.
    if (e.keyword === 'additionalProperties') continue;
    const variable = [...envSourced].find(([p]) => e.instancePath === p || e.instancePath.startsWith(p + '/'))?.[1];
    let message: string;
    if (e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')) {
      const parentSchema = schemaAt(schema, e.instancePath.split('/').slice(1, -1));
      const allowed = Object.keys(parentSchema?.properties ?? {});
      message = `unknown option${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (this plugin takes no options)'}`;
    } else if (e.keyword === 'required' || !e.instancePath) {
      message = e.message;
    } else {
      const choices = allowedValues(e.keyword, e.params, schemaAt(schema, e.instancePath.split('/').slice(1)));
      message = `${choices ? `must be one of ${choices}` : e.message} (got ${describeValue(getPath(withDefaults, e.instancePath.split('/').slice(1)))})`;
    }
    issues.push({ source: variable ? `env:${variable}` : input.source, path: `${input.at}${e.instancePath}`, plugin: pluginId, message });
    ok = false;
  }
  return ok ? withDefaults : undefined;
}
