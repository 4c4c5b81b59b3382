/**
 * The part of the gateway config that comes from the container's environment
 * (model defaults, the browser, session retention, the Control UI origin), laid
 * over openclaw.base.json before the runtime's roster is merged in, and the
 * last fix-ups a config needs before OpenClaw will start on it.
 */
type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

/** Objects merge key by key; anything else from `over` replaces. */
export function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)
      ? deepMerge(current as Json, value as Json)
      : value;
  }
  return out;
}

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Parsed OPENCLAW_SESSION_RETENTION_DAYS: undefined when unset; throws on a bad value. */
export function retentionDays(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = env.OPENCLAW_SESSION_RETENTION_DAYS?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`OPENCLAW_SESSION_RETENTION_DAYS must be a whole number of days (0 clears the session store), got "${raw}"`);
  return Number(raw);
}

export function envOverlay(env: Readonly<Record<string, string | undefined>>, has: (file: string) => boolean): Json {
  let overlay: Json = {};
  const model = env.OPENCLAW_DEFAULT_MODEL?.trim();
  if (model) {
    overlay = deepMerge(overlay, { agents: { defaults: { model: { primary: model } } } });
    // 2026.9.x ships no Vercel AI Gateway provider: declare it on the gateway's OpenAI-compatible endpoint.
    const vercel = /^vercel-ai-gateway\/(.+)$/.exec(model);
    if (vercel) {
      overlay = deepMerge(overlay, {
        models: {
          mode: 'merge',
          providers: {
            'vercel-ai-gateway': {
              baseUrl: 'https://ai-gateway.vercel.sh/v1',
              api: 'openai-completions',
              apiKey: '${AI_GATEWAY_API_KEY}',
              models: [{ id: vercel[1], name: vercel[1] }],
            },
          },
        },
      });
    }
  }
  const chromium = env.OPENCLAW_BROWSER_EXECUTABLE?.trim() || (has(DEFAULT_CHROMIUM) ? DEFAULT_CHROMIUM : undefined);
  if (chromium && env.OPENCLAW_BROWSER !== '0') {
    // Headless, and without Chromium's sandbox: the container is the sandbox (no user namespaces under cap_drop).
    overlay = deepMerge(overlay, {
      browser: { enabled: true, headless: true, noSandbox: true, executablePath: chromium, extraArgs: ['--disable-dev-shm-usage'] },
    });
  }
  const days = retentionDays(env);
  if (days !== undefined) {
    overlay = deepMerge(overlay, { session: { maintenance: { mode: 'enforce', pruneAfter: days === 0 ? '1s' : `${days}d` } } });
  }
  const ui = controlUiUrl(env);
  if (ui) overlay = deepMerge(overlay, { gateway: { controlUi: { allowedOrigins: [new URL(ui).origin] } } });
  return overlay;
}

/** Where an operator opens the Control UI (published port on the host); never carries the token. */
export function controlUiUrl(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const raw = env.OPENCLAW_CONTROL_UI_URL?.trim();
  if (!raw) return undefined;
  const url = new URL(raw);
  url.hash = '';
  url.search = '';
  url.username = '';
  url.password = '';
  return url.toString();
}

/**
 * OpenClaw refuses an `agents` section without entries ("agents.entries must
 * contain at least one configured agent", exit 78). Until the runtime has
 * written a roster the section is left out, so the gateway starts (Control UI
 * and probes) and picks the roster up by hot reload when it arrives.
 */
export function startableConfig(config: Json): Json {
  const agents = obj(config.agents);
  if (Object.keys(obj(agents.entries)).length > 0) return config;
  const { agents: _dropped, ...rest } = config;
  return rest;
}

/** The agent workspaces named in a config's roster. */
export function rosterWorkspaces(config: Json): string[] {
  return Object.values(obj(obj(config.agents).entries))
    .map((entry) => obj(entry).workspace)
    .filter((w): w is string => typeof w === 'string' && w.length > 0);
}
