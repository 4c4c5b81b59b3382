/**
 * Builds the gateway's config from three layers, later ones winning:
 *   1. the product's base (`openclaw.base.json`): gateway, auth, HTTP endpoint, agent defaults;
 *   2. the operator's overlay (optional, `OPENCLAW_OPERATOR_CONFIG`): what a deployment adds, such as
 *      model providers, the default model or a different bind; deep-merged (objects merge, arrays
 *      and scalars replace);
 *   3. the runtime's profile-sync output: the roster (`agents.entries`, replacing any other roster)
 *      and skills. Only `agents` and `skills` are taken from it; gateway settings stay the operator's.
 */
type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function isObj(value: unknown): value is Json {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** Objects merge key by key; everything else in `over` replaces what `under` has. */
export function deepMerge(under: Json, over: Json): Json {
  const out: Json = structuredClone(under);
  for (const [key, value] of Object.entries(over)) {
    out[key] = isObj(value) && isObj(out[key]) ? deepMerge(out[key] as Json, value) : structuredClone(value);
  }
  return out;
}

export function mergeGatewayConfig(base: Json, fragment: Json | undefined, operator?: Json): Json {
  const layered = operator ? deepMerge(base, operator) : base;
  const merged: Json = structuredClone(layered);
  if (!fragment) return merged;
  const fAgents = obj(fragment.agents);
  if (Object.keys(fAgents).length > 0) {
    const bAgents = obj(layered.agents);
    merged.agents = {
      ...bAgents,
      ...fAgents,
      defaults: { ...obj(bAgents.defaults), ...obj(fAgents.defaults) },
      // The roster is the runtime's: agents it no longer lists leave the gateway.
      entries: obj(fAgents.entries),
    };
  }
  const fSkills = obj(fragment.skills);
  if (Object.keys(fSkills).length > 0) {
    const bSkills = obj(layered.skills);
    const dirs = [...(obj(bSkills.load).extraDirs as string[] | undefined ?? []), ...(obj(fSkills.load).extraDirs as string[] | undefined ?? [])];
    merged.skills = {
      ...bSkills,
      load: { ...obj(bSkills.load), extraDirs: [...new Set(dirs)] },
      entries: { ...obj(bSkills.entries), ...obj(fSkills.entries) },
    };
  }
  return merged;
}
