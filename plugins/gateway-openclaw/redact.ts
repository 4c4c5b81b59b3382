/**
 * Short, redacted text for error messages and `status().lastError`: those end
 * up in logs and /health, so they must never carry tokens or whole upstream
 * bodies (the original runtime exposed raw gateway bodies in /health).
 */

const MAX_EXCERPT = 160;

/** Removes bearer credentials and any of the given secrets from `text`. */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text.replace(/(bearer\s+)[^\s"',;]+/gi, '$1[Redacted]');
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[Redacted]');
  }
  return out;
}

/** One line, control characters removed, capped; for quoting an upstream body. */
export function excerpt(text: string, secrets: readonly (string | undefined)[] = [], max = MAX_EXCERPT): string {
  // eslint-disable-next-line no-control-regex
  const flat = redact(text, secrets).replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** The URL without credentials, query or fragment, for logs and status. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '[invalid url]';
  }
}
