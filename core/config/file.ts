/**
 * The config file: JSON holding structure (which plugins, their options, boot
 * policy). Strings may reference the environment as `${ENV:NAME}` or
 * `${ENV:NAME:-fallback}`; secrets belong in the environment, never the file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { pointer, type ConfigIssue } from './issues.ts';

const Condition = Type.Object(
  {
    /** True when at least one of these variables is set to a non-empty value. */
    anyEnv: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type Condition = Static<typeof Condition>;

export const PluginEntrySchema = Type.Object(
  {
    /** Built-in plugin id, a path relative to this file (`./…`), or an npm package name. */
    use: Type.String({ minLength: 1 }),
    /** Free text for readers of the file (JSON has no comments); ignored. */
    $comment: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** `abort` (default): a boot failure stops the runtime. `continue`: log, mark failed, go on. */
    onBootFailure: Type.Optional(Type.Union([Type.Literal('abort'), Type.Literal('continue')])),
    enabled: Type.Optional(Type.Boolean()),
    if: Type.Optional(Condition),
    unless: Type.Optional(Condition),
    bootTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    hookTimeoutMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 600_000 })),
  },
  { additionalProperties: false },
);
export type PluginEntry = Static<typeof PluginEntrySchema>;

export const RuntimeSectionSchema = Type.Object(
  {
    accountId: Type.Optional(Type.String({ minLength: 1 })),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    /** Runtime state (SQLite files, dead letters), relative to the working directory. */
    dataDir: Type.String({ minLength: 1, default: '.runtime' }),
    bootTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 15_000 }),
    /** Default budget of one hook tap. */
    hookTimeoutMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 30_000 }),
    /** Whole graceful shutdown budget; keep below the container's stop grace period. */
    shutdownTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 20_000 }),
    /** Watch the config file and apply option changes live (plugins that tap onConfigChange). */
    watchConfig: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type RuntimeSection = Static<typeof RuntimeSectionSchema>;

const ConfigFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    /** Free text for readers of the file (JSON has no comments); ignored. */
    $comment: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    runtime: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    plugins: Type.Array(Type.Union([Type.String({ minLength: 1 }), Type.Record(Type.String(), Type.Unknown())])),
  },
  { additionalProperties: false },
);

export interface RawConfigFile {
  /** Path as shown in messages (relative to cwd when inside it). */
  source: string;
  absolutePath: string;
  dir: string;
  runtime: Record<string, unknown>;
  entries: Array<{ index: number; entry: PluginEntry }>;
}

export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Offset of the first JSON syntax error (V8's messages do not always carry one). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        value();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      if (i >= text.length) fail();
      return void i++;
    }
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (offset) {
    return offset as number;
  }
}

function jsonSyntaxIssue(source: string, text: string, err: Error): ConfigIssue {
  const pos = jsonErrorOffset(text);
  let where = '';
  if (pos >= 0) {
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - before.lastIndexOf('\n');
    where = `line ${line} column ${col}: `;
  }
  const reason = err.message.split(/, "|\n/)[0];
  return { source, path: '', plugin: 'config', message: `not valid JSON: ${where}${reason}` };
}

const ENV_REF = /\$\{ENV:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${ENV:NAME}` references in every string of `value`; records missing variables. */
export function substituteEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  at: string,
  onMissing: (name: string, at: string) => void,
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      onMissing(name, at);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, `${at}${pointer(i)}`, onMissing));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, `${at}${pointer(k)}`, onMissing);
    return out;
  }
  return value;
}

export function readConfigFile(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  issues: ConfigIssue[],
): RawConfigFile | undefined {
  const absolutePath = path.resolve(file);
  const source = displayPath(absolutePath);
  let text: string;
  try {
    text = readFileSync(absolutePath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    issues.push({ source, path: '', plugin: 'config', message: code === 'ENOENT' ? 'file not found' : `cannot read: ${(err as Error).message}` });
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    issues.push(jsonSyntaxIssue(source, text, err as Error));
    return undefined;
  }
  return parseConfigDocument(json, { source, absolutePath }, env, issues);
}

/** Validates the structure of a parsed config document and substitutes `${ENV:…}` references. */
export function parseConfigDocument(
  json: unknown,
  where: { source: string; absolutePath: string },
  env: Readonly<Record<string, string | undefined>>,
  issues: ConfigIssue[],
): RawConfigFile | undefined {
  const { source, absolutePath } = where;
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    issues.push({ source, path: '', plugin: 'config', message: `must be a JSON object with "plugins" (and optionally "runtime")` });
    return undefined;
  }
  // Unknown top-level keys are reported by name and set aside, so the rest of the file is still checked.
  const allowed = Object.keys(ConfigFileSchema.properties);
  const document: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    if (allowed.includes(key)) document[key] = value;
    else issues.push({ source, path: pointer(key), plugin: 'config', message: `unknown key (allowed: ${allowed.join(', ')})` });
  }
  const structural = Value.Check(ConfigFileSchema, document) ? [] : [...Value.Errors(ConfigFileSchema, document)].filter((e) => !e.schemaPath.includes('/anyOf/'));
  for (const e of structural) {
    const message = e.keyword === 'anyOf' ? 'must be a plugin id (string) or a plugin entry object ({ "use": … })' : e.message;
    issues.push({ source, path: e.instancePath, plugin: 'config', message });
  }
  // A broken section is reported above; the other sections are still validated.
  const runtimeOk = !structural.some((e) => e.instancePath.startsWith('/runtime'));
  const pluginsOk = Array.isArray(document.plugins) && !structural.some((e) => e.instancePath === '/plugins');
  if (!runtimeOk && !pluginsOk) return undefined;
  const file = document as Static<typeof ConfigFileSchema>;
  const badEntry = (i: number) => structural.some((e) => e.instancePath === pointer('plugins', i) || e.instancePath.startsWith(`${pointer('plugins', i)}/`));
  const missingFor = (plugin: string) => (name: string, at: string) =>
    issues.push({ source, path: at, plugin, message: `environment variable ${name} is not set (use \${ENV:${name}:-default} for a fallback)` });
  const runtime = substituteEnv(runtimeOk ? (file.runtime ?? {}) : {}, env, '/runtime', missingFor('runtime')) as Record<string, unknown>;
  const entries: RawConfigFile['entries'] = [];
  (pluginsOk ? file.plugins : []).forEach((raw, index) => {
    if (badEntry(index)) return;
    const at = pointer('plugins', index);
    const entry = typeof raw === 'string' ? { use: raw } : raw;
    if (!Value.Check(PluginEntrySchema, entry)) {
      const use = entry !== null && typeof entry === 'object' ? (entry as { use?: unknown }).use : undefined;
      const label = typeof use === 'string' ? use : 'config';
      for (const e of Value.Errors(PluginEntrySchema, entry)) {
        if (e.keyword === 'additionalProperties' || e.schemaPath.includes('/anyOf/')) continue;
        const unknownKey = e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties');
        const message = unknownKey ? `unknown key (allowed: ${Object.keys(PluginEntrySchema.properties).join(', ')})` : e.message;
        issues.push({ source, path: at + e.instancePath, plugin: label, message });
      }
      return;
    }
    entries.push({ index, entry: substituteEnv(entry, env, at, missingFor(entry.use)) as PluginEntry });
  });
  return { source, absolutePath, dir: path.dirname(absolutePath), runtime, entries };
}

export function conditionHolds(condition: Condition, env: Readonly<Record<string, string | undefined>>): boolean {
  return condition.anyEnv.some((name) => (env[name] ?? '') !== '');
}
