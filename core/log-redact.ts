/**
 * Where secrets are known to sit in logged objects, and their redaction: by
 * key, at the top level and one level down (`token`, `{ req: { token } }`),
 * in `headers` objects at those levels, and the secret variables of `config`
 * and `env` objects. Values elsewhere are caught by the SecretSet's scrubbing
 * of every line (core/logger.ts).
 *
 * Not pino's `redact` option: its implementation re-parses every path string
 * on every log call (~20 KB of garbage per delivered notification,
 * docs/performance.md). Here the paths are lookups made once, and an object
 * is copied only along the way to a value it censors: the caller's object is
 * never changed. Only plain objects are walked (an Error keeps its prototype
 * for the err serializer).
 */
export const CENSOR = '[Redacted]';

/** Keys whose values never reach a log line. */
const SECRET_KEYS = new Set(['serviceToken', 'token', 'gatewayToken', 'runToken', 'authorization']);
/** Request headers that carry credentials. */
const SECRET_HEADERS = new Set(['authorization', 'x-openclaw-session-key', 'x-mc-run-token']);
/** Secret variables, in `config` and `env` objects. */
const SECRET_VARIABLES = new Set(['SERVICE_TOKEN', 'OPENCLAW_GATEWAY_TOKEN']);

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `value` with the keys `secret(key)` names censored; the same object when none is present. */
function censored(value: Plain, secret: (key: string, inner: unknown) => unknown): Plain {
  let out: Plain | undefined;
  for (const key in value) {
    const inner = value[key];
    const replaced = secret(key, inner);
    if (replaced !== inner) (out ??= { ...value })[key] = replaced;
  }
  return out ?? value;
}

const headerSecret = (key: string, inner: unknown) => (SECRET_HEADERS.has(key.toLowerCase()) ? CENSOR : inner);

/** One level down: secret keys, credential headers in `headers`, secret variables in `config`/`env`. */
function nestedSecret(key: string, inner: unknown): unknown {
  if (SECRET_KEYS.has(key)) return CENSOR;
  if (key === 'headers' && isPlain(inner)) return censored(inner, headerSecret);
  return inner;
}
const variablesSecret = (key: string, inner: unknown) => (SECRET_VARIABLES.has(key) ? CENSOR : nestedSecret(key, inner));
const headersSecret = (key: string, inner: unknown) => (SECRET_KEYS.has(key) ? CENSOR : headerSecret(key, inner));

/** The rule for the keys inside a top-level object, by that object's key (made once, not per line). */
function nestedRule(parent: string): (key: string, inner: unknown) => unknown {
  if (parent === 'config' || parent === 'env') return variablesSecret;
  return parent === 'headers' ? headersSecret : nestedSecret;
}

function topSecret(key: string, inner: unknown): unknown {
  if (SECRET_KEYS.has(key)) return CENSOR;
  return isPlain(inner) ? censored(inner, nestedRule(key)) : inner;
}

/** The object to log: `obj` itself, or a copy with every known secret censored. */
export function redactSecrets(obj: Plain): Plain {
  return censored(obj, topSecret);
}
