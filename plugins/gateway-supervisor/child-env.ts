/**
 * The supervised gateway's environment: an explicit allow-list, never the
 * runtime's whole environment. Agents run inside the gateway with shell tools,
 * so whatever reaches this process reaches every agent (`printenv`): the
 * runtime's own secrets (SERVICE_TOKEN above all) must never be on the list.
 * See docs/security.md.
 */

/** Process basics: where programs, home, temp and locale are. */
const BASICS = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'TZ', 'TMPDIR', 'LANG', 'LANGUAGE', 'LC_*',
  'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_RUNTIME_DIR',
  'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
];

/** The gateway's own settings and token (OPENCLAW_GATEWAY_TOKEN), state and config paths. */
const OPENCLAW = ['OPENCLAW_*'];

/** Model-provider credentials and endpoints: the gateway calls the models, the runtime never does. */
const PROVIDERS = [
  'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID',
  'GEMINI_API_KEY', 'GOOGLE_API_KEY', 'XAI_API_KEY', 'OPENROUTER_API_KEY', 'GROQ_API_KEY', 'MISTRAL_API_KEY',
  'DEEPSEEK_API_KEY', 'TOGETHER_API_KEY', 'CEREBRAS_API_KEY', 'AI_GATEWAY_API_KEY', 'VERCEL_AI_GATEWAY_API_KEY',
  'OLLAMA_HOST', 'OLLAMA_API_KEY',
];

export const DEFAULT_ALLOWED_ENV: readonly string[] = Object.freeze([...BASICS, ...OPENCLAW, ...PROVIDERS]);

/**
 * Variables that belong to the runtime alone and may never be passed, whatever
 * the config says (an `env`/`passEnv` entry naming one is a config error).
 */
export const RUNTIME_ONLY_ENV: readonly string[] = Object.freeze(['SERVICE_TOKEN', 'CONVEX_URL', 'CONVEX_SITE_URL', 'ACCOUNT_ID']);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

function matches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** Problems with the configured additions, each naming the option; empty when fine. */
export function checkEnvOptions(passEnv: readonly string[], extra: Record<string, string>): string[] {
  const problems: string[] = [];
  passEnv.forEach((p, i) => {
    if (!NAME.test(p)) problems.push(`passEnv/${i}: "${p}" is not a variable name (letters, digits, _; an optional trailing * matches a prefix)`);
    else if (p === '*') problems.push(`passEnv/${i}: "*" would pass the runtime's whole environment, secrets included; list the variables`);
    else if (RUNTIME_ONLY_ENV.some((secret) => matches(p, secret))) {
      problems.push(`passEnv/${i}: "${p}" would pass ${RUNTIME_ONLY_ENV.filter((s) => matches(p, s)).join(', ')}, which only the runtime may hold`);
    }
  });
  for (const name of Object.keys(extra)) {
    if (RUNTIME_ONLY_ENV.includes(name)) problems.push(`env/${name}: ${name} belongs to the runtime and is never given to the gateway`);
  }
  return problems;
}

/**
 * The child's environment: the runtime's variables matched by the default
 * allow-list or `passEnv`, minus the runtime-only ones, then `extra` (literal
 * values from the config) on top.
 */
export function buildChildEnv(
  runtimeEnv: Readonly<Record<string, string | undefined>>,
  options: { passEnv?: readonly string[]; extra?: Record<string, string> } = {},
): Record<string, string> {
  const allowed = [...DEFAULT_ALLOWED_ENV, ...(options.passEnv ?? [])];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(runtimeEnv)) {
    if (value === undefined || RUNTIME_ONLY_ENV.includes(name)) continue;
    if (allowed.some((p) => matches(p, name))) env[name] = value;
  }
  for (const [name, value] of Object.entries(options.extra ?? {})) {
    if (!RUNTIME_ONLY_ENV.includes(name)) env[name] = value;
  }
  return env;
}
