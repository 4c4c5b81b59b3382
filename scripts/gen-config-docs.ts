/**
 * Generates the reference part of docs/configuration.md from what the code
 * declares: the runtime section's schema and variables, and every built-in
 * plugin's options schema (type, bounds, default, `description`, or else the
 * doc comment right above the option in the plugin's source) and env bindings.
 * Run `npm run gen:docs` after changing a schema or a variable;
 * tests/cli/config-docs.test.ts fails when the committed file drifts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TSchema } from 'typebox';
import { builtinPluginIds } from '../core/loader.ts';
import { RUNTIME_ENV } from '../core/config/index.ts';
import { RuntimeSectionSchema } from '../core/config/file.ts';
import type { AnyPluginDefinition, EnvBinding } from '../core/plugin.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
export const DOC_FILE = path.join(ROOT, 'docs', 'configuration.md');
const BEGIN = '<!-- BEGIN GENERATED REFERENCE: npm run gen:docs (scripts/gen-config-docs.ts); do not edit by hand -->';
const END = '<!-- END GENERATED REFERENCE -->';

type Schema = TSchema & Record<string, unknown>;

interface Section {
  id: string;
  title: string;
  description?: string;
  schema: Schema;
  env: Record<string, EnvBinding>;
  /** Source text the doc comments come from. */
  source: string;
  notInDefaultConfig?: boolean;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\s*\n\s*/g, ' ');

/** `integer 1000–86400000`, `"exit" \| "off"`, `string[]`, …, plus `secret`. */
export function describeType(schema: Schema): string {
  const range = (lo: unknown, hi: unknown) => (lo !== undefined || hi !== undefined ? ` ${lo ?? '…'}–${hi ?? '…'}` : '');
  let text: string;
  const variants = (schema.anyOf ?? schema.enum) as unknown[] | undefined;
  if (Array.isArray(schema.enum)) text = (schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  else if (Array.isArray(schema.anyOf) && variants!.every((v) => (v as Schema).const !== undefined)) text = variants!.map((v) => JSON.stringify((v as Schema).const)).join(' | ');
  else if (schema.type === 'integer' || schema.type === 'number') text = `${schema.type}${range(schema.minimum, schema.maximum)}`;
  else if (schema.type === 'string') text = `string${schema.minLength ? ` (min ${schema.minLength})` : ''}${schema.pattern ? ` \`${schema.pattern}\`` : ''}`;
  else if (schema.type === 'array') text = `${describeType((schema.items ?? {}) as Schema)}[]`;
  else if (schema.type === 'object') text = schema.patternProperties || schema.additionalProperties ? 'map' : 'object';
  else text = String(schema.type ?? 'any');
  return schema.secret ? `${text}, secret` : text;
}

/** The `/** … *\/` comment right above `key:` in the source, collapsed to one line. */
function docComment(source: string, key: string): string | undefined {
  const match = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*\\n\\s*${key}\\s*:`).exec(source);
  return match?.[1].replace(/^\s*\*\s?/gm, '').replace(/\s+/g, ' ').trim();
}

function optionRows(section: Section): string[] {
  const props = (section.schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((section.schema.required ?? []) as string[]);
  const rows = ['| Option | Type | Default | Variable | Description |', '|---|---|---|---|---|'];
  for (const [key, schema] of Object.entries(props)) {
    const variables = Object.entries(section.env).filter(([, b]) => b.path === key).map(([name]) => `\`${name}\``);
    const def = schema.default !== undefined ? `\`${JSON.stringify(schema.default)}\`` : required.has(key) ? 'required' : '—';
    const description = (schema.description as string | undefined) ?? docComment(section.source, key) ?? '';
    rows.push(`| \`${key}\` | ${cell(describeType(schema))} | ${cell(def)} | ${variables.join(', ') || '—'} | ${cell(description)} |`);
  }
  return rows;
}

async function sections(): Promise<Section[]> {
  const defaultConfig = JSON.parse(readFileSync(path.join(ROOT, 'config', 'default.json'), 'utf8')) as { plugins: Array<string | { use: string }> };
  const inDefault = defaultConfig.plugins.map((p) => (typeof p === 'string' ? p : p.use));
  const ids = builtinPluginIds().sort((a, b) => (inDefault.indexOf(a) + 1 || 999) - (inDefault.indexOf(b) + 1 || 999) || a.localeCompare(b));
  const out: Section[] = [
    {
      id: 'runtime',
      title: 'runtime (the config file\'s `runtime` section)',
      schema: RuntimeSectionSchema as unknown as Schema,
      env: RUNTIME_ENV,
      source: readFileSync(path.join(ROOT, 'core', 'config', 'file.ts'), 'utf8'),
    },
  ];
  for (const id of ids) {
    const file = path.join(ROOT, 'plugins', id, 'index.ts');
    const definition = (await import(file)).default as AnyPluginDefinition;
    out.push({
      id,
      title: `\`${id}\``,
      description: definition.description,
      schema: definition.configSchema as unknown as Schema,
      env: definition.env ?? {},
      source: readFileSync(file, 'utf8'),
      notInDefaultConfig: !inDefault.includes(id),
    });
  }
  return out;
}

/** The generated reference, markers included. */
export async function renderReference(): Promise<string> {
  const all = await sections();
  const lines = [BEGIN, '', '## Reference', '', 'Every option of the runtime section and of each built-in plugin, in the order of', '`config/default.json`. A variable overrides the option it names (`schema default < config file < variable`).', ''];
  lines.push('### Environment variables', '', '| Variable | Plugin | Option | Parsed as |', '|---|---|---|---|');
  for (const s of all) for (const [name, b] of Object.entries(s.env)) lines.push(`| \`${name}\` | ${s.id} | \`${b.path}\` | ${b.type}${b.allowEmpty ? ' (empty allowed)' : ''} |`);
  lines.push('', '`RUNTIME_VERSION` (kernel: the version reported, default package.json), `MC_RUNTIME_CONFIG` (CLI: the config file) and `MC_RUNTIME_NODE_FLAGS` (the V8 flags `start` runs with, default `--max-semi-space-size=1`, which `npm start` and the image pass on node\'s command line; `""` for none, also against that command line: docs/performance.md) are read outside any plugin.', '');
  for (const s of all) {
    const props = Object.keys((s.schema.properties ?? {}) as object);
    lines.push(`### ${s.title}`, '');
    if (s.description) lines.push(`${s.description.replace(/\.?$/, '.')}${s.notInDefaultConfig ? ' Not in `config/default.json`; add it to use it.' : ''}`, '');
    if (props.length === 0) lines.push('No options.', '');
    else lines.push(...optionRows(s), '');
  }
  lines.push(END);
  return lines.join('\n');
}

/** `doc` with its generated reference replaced (or appended when it has none yet). */
export async function updatedDoc(doc: string): Promise<string> {
  const reference = await renderReference();
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin >= 0 && end > begin) return doc.slice(0, begin) + reference + doc.slice(end + END.length);
  return `${doc.trimEnd()}\n\n${reference}\n`;
}

if (import.meta.main) {
  const doc = readFileSync(DOC_FILE, 'utf8');
  const next = await updatedDoc(doc);
  writeFileSync(DOC_FILE, next);
  process.stdout.write(next === doc ? 'docs/configuration.md is up to date\n' : 'wrote docs/configuration.md\n');
}
