/**
 * Merges the runtime's profile-sync output (`agents`, `skills`) into the gateway's
 * base config. Only those two sections are taken from the runtime: gateway
 * settings (auth, bind, providers) stay the operator's.
 */
type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

export function mergeGatewayConfig(base: Json, fragment: Json | undefined): Json {
  const merged: Json = structuredClone(base);
  if (!fragment) return merged;
  const fAgents = obj(fragment.agents);
  if (Object.keys(fAgents).length > 0) {
    const bAgents = obj(base.agents);
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
    const bSkills = obj(base.skills);
    const dirs = [...(obj(bSkills.load).extraDirs as string[] | undefined ?? []), ...(obj(fSkills.load).extraDirs as string[] | undefined ?? [])];
    merged.skills = {
      ...bSkills,
      load: { ...obj(bSkills.load), extraDirs: [...new Set(dirs)] },
      entries: { ...obj(bSkills.entries), ...obj(fSkills.entries) },
    };
  }
  return merged;
}
