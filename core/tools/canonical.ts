/**
 * Canonical JSON of tool arguments: object keys sorted at every depth, no
 * whitespace, `undefined` members dropped. Two calls whose arguments differ only
 * in key order or formatting get the same string (the tool-call ledger's key).
 */
export function canonicalArgs(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) out[key] = sortKeys(member);
  }
  return out;
}
