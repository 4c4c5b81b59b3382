import { describe, expect, it } from 'vitest';
import { MAX_STRING, sanitize } from './report.ts';

const redact = (s: string) => s.replaceAll('s3cret-value', '[Redacted]');

describe('sanitize (what /health lets out)', () => {
  it('redacts registered secrets in values and keys, and credential-named keys whatever they hold', () => {
    expect(sanitize({ error: 'auth with s3cret-value failed', 's3cret-value': 1, serviceToken: 'abc', apiKey: 'xyz', tokenConfigured: true }, redact)).toEqual({
      error: 'auth with [Redacted] failed',
      '[Redacted]': 1,
      serviceToken: '[Redacted]',
      apiKey: '[Redacted]',
      tokenConfigured: true,
    });
  });

  it('bounds long strings, deep nesting and long arrays', () => {
    const long = sanitize('x'.repeat(MAX_STRING + 100), redact) as string;
    expect(long).toHaveLength(MAX_STRING + '…[truncated]'.length);
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    expect(JSON.stringify(sanitize(deep, redact))).not.toContain('leaf');
    expect((sanitize(Array.from({ length: 500 }, (_, i) => i), redact) as number[]).length).toBe(200);
  });

  it('turns non-JSON values into JSON and drops cycles, keeping shared references', () => {
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { a: shared, b: shared, when: new Date(0), big: 10n, fn: () => 1, missing: undefined };
    cyclic.self = cyclic;
    expect(sanitize(cyclic, redact)).toEqual({ a: { n: 1 }, b: { n: 1 }, when: '1970-01-01T00:00:00.000Z', big: '10' });
  });
});
