/**
 * Preparations before the gateway (re)starts: each agent's working layout,
 * Chromium locks a previous container left behind, and a clear word when no
 * model provider is configured.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/** Per-agent directories for git work (see the AGENTS.md section on per-task worktrees). */
export const WORKSPACE_DIRS = ['repos', 'worktrees', 'deliverables', 'memory'] as const;

/** Creates the layout inside each workspace under `root`; a workspace outside it is skipped. */
export function ensureWorkspaceLayout(workspaces: readonly string[], root: string, log: (msg: string) => void): string[] {
  const made: string[] = [];
  const base = path.resolve(root);
  for (const ws of workspaces) {
    const dir = path.resolve(ws);
    if (!dir.startsWith(base + path.sep)) {
      log(`workspace ${ws} is outside ${root}; layout not created`);
      continue;
    }
    for (const sub of WORKSPACE_DIRS) mkdirSync(path.join(dir, sub), { recursive: true });
    made.push(dir);
  }
  return made;
}

/**
 * Chromium refuses a profile whose Singleton* lock names another host, and a
 * container's host name changes on every re-creation: nothing in this fresh
 * container runs Chromium yet, so the locks are stale by definition.
 */
export function removeStaleBrowserLocks(stateDir: string): string[] {
  const removed: string[] = [];
  const browserDir = path.join(stateDir, 'browser');
  let profiles: string[];
  try {
    profiles = readdirSync(browserDir);
  } catch {
    return removed;
  }
  for (const profile of profiles) {
    const userData = path.join(browserDir, profile, 'user-data');
    for (const lock of ['SingletonLock', 'SingletonCookie', 'SingletonSocket']) {
      const file = path.join(userData, lock);
      try {
        rmSync(file, { force: false });
        removed.push(file);
      } catch {
        // absent: nothing to do
      }
    }
  }
  return removed;
}

const PROVIDER_KEYS = [
  'ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'AI_GATEWAY_API_KEY', 'OPENROUTER_API_KEY', 'GEMINI_API_KEY', 'XAI_API_KEY',
  'MISTRAL_API_KEY', 'GROQ_API_KEY', 'DEEPSEEK_API_KEY', 'OLLAMA_HOST',
];

/** The provider credentials present in the gateway's environment (names only). */
export function providerKeys(env: Readonly<Record<string, string>>): string[] {
  return PROVIDER_KEYS.filter((k) => env[k]);
}
