import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import { StringEnum } from './helpers.ts';
import { parseArguments, validateArguments } from './validate.ts';

const schema = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 5 }),
    status: Type.Optional(StringEnum(['a', 'b'])),
    priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    labels: Type.Optional(Type.Array(Type.String(), { maxItems: 2 })),
    kind: Type.Optional(Type.Union([Type.Literal('x'), Type.Literal('y')])),
  },
  { additionalProperties: false },
);

const message = (value: unknown) => {
  const r = validateArguments(schema, value);
  return r.ok ? 'ok' : `${r.field} | ${r.message}`;
};

describe('argument validation', () => {
  it('accepts valid arguments unchanged (strict: no coercion)', () => {
    expect(validateArguments(schema, { title: 'abc', priority: 2 })).toEqual({ ok: true, value: { title: 'abc', priority: 2 } });
    expect(message({ title: 'abc', priority: '2' })).toBe('priority | invalid arguments: /priority must be an integer');
  });

  it('names the field at fault and what is accepted', () => {
    expect(message({})).toBe('title | invalid arguments: /title is required');
    expect(message({ title: '' })).toBe('title | invalid arguments: /title must not be empty');
    expect(message({ title: 'abcdef' })).toBe('title | invalid arguments: /title must have at most 5 characters');
    expect(message({ title: 'a', status: 'c' })).toBe('status | invalid arguments: /status must be one of a, b');
    expect(message({ title: 'a', priority: 0 })).toBe('priority | invalid arguments: /priority must be >= 1');
    expect(message({ title: 'a', labels: [1] })).toBe('labels/0 | invalid arguments: /labels/0 must be a string');
    expect(message({ title: 'a', labels: ['x', 'y', 'z'] })).toBe('labels | invalid arguments: /labels must have at most 2 items');
    expect(message({ title: 'a', kind: 'z' })).toBe('kind | invalid arguments: /kind must be one of x, y');
    expect(message({ title: 'a', taskID: 'x' })).toBe('taskID | invalid arguments: /taskID is not an accepted parameter (accepted: title, status, priority, labels, kind)');
    expect(message('text')).toBe(' | invalid arguments: (arguments) must be an object');
  });

  it('lists at most three problems', () => {
    const r = validateArguments(schema, { status: 'c', priority: 9, labels: 'x', kind: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message.split('; ')).toHaveLength(3);
  });

  it('refuses an own __proto__ key like any other unknown parameter', () => {
    expect(message(JSON.parse('{"title":"a","__proto__":{"polluted":true}}'))).toMatch(/^__proto__ \| invalid arguments: \/__proto__ is not an accepted parameter/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('parses raw arguments: JSON strings, objects, empty means {}', () => {
    expect(parseArguments('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseArguments('')).toEqual({ ok: true, value: {} });
    expect(parseArguments(undefined)).toEqual({ ok: true, value: {} });
    expect(parseArguments({ a: 1 })).toEqual({ ok: true, value: { a: 1 } });
    expect(parseArguments('{a:1}')).toEqual({ ok: false, message: 'invalid arguments: not valid JSON (send one JSON object)' });
  });
});
