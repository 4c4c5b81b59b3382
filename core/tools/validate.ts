/**
 * Argument validation against a tool's typebox schema, strict (no coercion),
 * with messages a model can act on: each names the parameter at fault and what
 * would be accepted, e.g. `/status must be one of in_progress, review, blocked`.
 */
import type { TSchema } from 'typebox';
import Value from 'typebox/value';

export type ValidationResult =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; message: string; field: string };

interface SchemaError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  message: string;
  params: Record<string, unknown>;
}

/** How many problems one message lists; the model fixes the first ones and retries. */
const MAX_LISTED = 3;

/** Parses the raw arguments of a call: a JSON string (gateway, HTTP) or an object. */
export function parseArguments(raw: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  if (raw === undefined || raw === null) return { ok: true, value: {} };
  if (typeof raw !== 'string') return { ok: true, value: raw };
  if (raw.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false, message: 'invalid arguments: not valid JSON (send one JSON object)' };
  }
}

export function validateArguments(schema: TSchema, value: unknown): ValidationResult {
  if (Value.Check(schema, value)) return { ok: true, value: value as Record<string, unknown> };
  const problems = describeErrors(schema, [...Value.Errors(schema, value)] as SchemaError[]);
  const first = problems[0] ?? { text: 'arguments do not match the schema', field: '' };
  return {
    ok: false,
    message: `invalid arguments: ${problems.slice(0, MAX_LISTED).map((p) => p.text).join('; ')}`,
    field: first.field,
  };
}

interface Problem {
  text: string;
  field: string;
}

function describeErrors(schema: TSchema, errors: SchemaError[]): Problem[] {
  // Branch errors of an anyOf repeat what the anyOf error says; `schema is false`
  // repeats an additionalProperties error.
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const useful = errors.filter(
    (e) =>
      !(e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')) &&
      !(anyOfPaths.has(e.instancePath) && e.schemaPath.includes('/anyOf/')),
  );
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const e of useful) {
    for (const p of describe(schema, e)) {
      if (seen.has(p.text)) continue;
      seen.add(p.text);
      problems.push(p);
    }
  }
  return problems;
}

function describe(schema: TSchema, e: SchemaError): Problem[] {
  const at = e.instancePath || '(arguments)';
  const field = e.instancePath.replace(/^\//, '');
  const p = e.params;
  switch (e.keyword) {
    case 'required': {
      const missing = (p.requiredProperties as string[] | undefined) ?? [];
      return missing.map((name) => ({ text: `${join(e.instancePath, name)} is required`, field: join(e.instancePath, name).slice(1) }));
    }
    case 'additionalProperties': {
      const extra = (p.additionalProperties as string[] | undefined) ?? [];
      const accepted = acceptedProperties(schema, e.instancePath);
      const hint = accepted.length ? ` (accepted: ${accepted.join(', ')})` : '';
      return extra.map((name) => ({ text: `${join(e.instancePath, name)} is not an accepted parameter${hint}`, field: join(e.instancePath, name).slice(1) }));
    }
    case 'enum':
      return [{ text: `${at} must be one of ${((p.allowedValues as unknown[]) ?? []).map(String).join(', ')}`, field }];
    case 'const':
      return [{ text: `${at} must be ${JSON.stringify(p.allowedValue)}`, field }];
    case 'anyOf': {
      const options = anyOfConsts(schema, e.schemaPath);
      return [{ text: options ? `${at} must be one of ${options.join(', ')}` : `${at} does not match any accepted form`, field }];
    }
    case 'type': {
      const type = String(p.type);
      const article = type === 'integer' || type === 'array' || type === 'object' ? 'an' : 'a';
      return [{ text: `${at} must be ${article} ${type}`, field }];
    }
    case 'minLength':
      return [{ text: p.limit === 1 ? `${at} must not be empty` : `${at} must have at least ${String(p.limit)} characters`, field }];
    case 'maxLength':
      return [{ text: `${at} must have at most ${String(p.limit)} characters`, field }];
    case 'minItems':
      return [{ text: `${at} must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`, field }];
    case 'maxItems':
      return [{ text: `${at} must have at most ${String(p.limit)} items`, field }];
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return [{ text: `${at} must be ${String(p.comparison)} ${String(p.limit)}`, field }];
    case 'pattern':
      return [{ text: `${at} has an invalid format`, field }];
    default:
      return [{ text: `${at} ${e.message}`, field }];
  }
}

function join(base: string, name: string): string {
  return `${base}/${name}`;
}

/** Walks a JSON pointer into the schema (for hints). */
function schemaAt(schema: TSchema, pointer: string): Record<string, unknown> | undefined {
  let node: unknown = schema;
  for (const part of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>) : undefined;
}

function acceptedProperties(schema: TSchema, instancePath: string): string[] {
  // Only top-level objects and plain nested properties are described; enough for tool schemas.
  let node: Record<string, unknown> | undefined = schema as unknown as Record<string, unknown>;
  for (const part of instancePath.split('/').filter(Boolean)) {
    const props = node?.properties as Record<string, Record<string, unknown>> | undefined;
    node = props?.[part] ?? (node?.items as Record<string, unknown> | undefined);
  }
  const props = node?.properties as Record<string, unknown> | undefined;
  return props ? Object.keys(props) : [];
}

function anyOfConsts(schema: TSchema, schemaPath: string): string[] | undefined {
  const node = schemaAt(schema, schemaPath);
  const branches = node?.anyOf as Array<Record<string, unknown>> | undefined;
  if (!branches?.every((b) => 'const' in b)) return undefined;
  return branches.map((b) => String(b.const));
}
