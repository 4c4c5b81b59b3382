/**
 * The gateway's environment: an explicit allow-list, never the container's
 * whole environment. Agents run inside the gateway with shell tools, so
 * whatever reaches this process reaches every agent (`printenv`): the runtime's
 * secrets (SERVICE_TOKEN above all) must never be on it, even when an operator
 * hands the gateway the runtime's env file by mistake. See docs/compose.md.
 */

/** Process basics: where programs, home, temp and locale are; proxies and CA bundles. */
const BASICS = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'TZ', 'TMPDIR', 'LANG', 'LANGUAGE', 'LC_*',
  'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_RUNTIME_DIR',
  'NODE_ENV', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'DO_NOT_TRACK',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
];

/** The gateway's own settings and token (OPENCLAW_GATEWAY_TOKEN), state and config paths. */
const OPENCLAW = ['OPENCLAW_*'];

/** Model-provider and web-tool credentials: the gateway calls the models, the runtime never does. */
const PROVIDERS = [
  'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID',
  'AI_GATEWAY_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY', 'XAI_API_KEY', 'OPENROUTER_API_KEY', 'GROQ_API_KEY',
  'MISTRAL_API_KEY', 'DEEPSEEK_API_KEY', 'TOGETHER_API_KEY', 'CEREBRAS_API_KEY', 'MOONSHOT_API_KEY', 'MINIMAX_API_KEY',
  'OLLAMA_HOST', 'OLLAMA_API_KEY', 'BRAVE_API_KEY', 'TAVILY_API_KEY', 'EXA_API_KEY', 'FIRECRAWL_API_KEY', 'PERPLEXITY_API_KEY',
];

/** Agent git work: the token the credential helper reads at use time, and the commit identity. */
const GIT = ['GH_TOKEN', 'GITHUB_TOKEN', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL'];

export const GATEWAY_ENV_ALLOW: readonly string[] = Object.freeze([...BASICS, ...OPENCLAW, ...PROVIDERS, ...GIT]);

/** The runtime's alone: never passed, whatever OPENCLAW_PASS_ENV says. */
export const RUNTIME_ONLY_ENV: readonly string[] = Object.freeze(['SERVICE_TOKEN', 'CONVEX_URL', 'CONVEX_SITE_URL', 'ACCOUNT_ID']);

function matches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/**
 * The child's environment from the entrypoint's: names on the allow-list or in
 * `OPENCLAW_PASS_ENV` (comma or space separated, `PREFIX*` allowed), minus the
 * runtime-only ones; `VERCEL_AI_GATEWAY_API_KEY` is handed over as the
 * `AI_GATEWAY_API_KEY` OpenClaw reads.
 */
export function gatewayEnv(source: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const extra = (source.OPENCLAW_PASS_ENV ?? '').split(/[\s,]+/).filter((p) => p && p !== '*');
  const allowed = [...GATEWAY_ENV_ALLOW, ...extra];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || RUNTIME_ONLY_ENV.includes(name)) continue;
    if (allowed.some((p) => matches(p, name))) env[name] = value;
  }
  if (!env.AI_GATEWAY_API_KEY && source.VERCEL_AI_GATEWAY_API_KEY) env.AI_GATEWAY_API_KEY = source.VERCEL_AI_GATEWAY_API_KEY;
  return env;
}

/** Values that must never appear in the gateway's output (tokens and keys), longest first. */
export function secretValues(env: Readonly<Record<string, string>>): string[] {
  const secret = /TOKEN|_KEY$|SECRET|PASSWORD/;
  return [...new Set(Object.entries(env).filter(([k, v]) => secret.test(k) && v.length >= 8).map(([, v]) => v))].sort((a, b) => b.length - a.length);
}

/** Replaces every secret value in a chunk of text. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}
