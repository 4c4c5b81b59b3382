/**
 * Run-token files: hands each run token to its agent as a header file in the
 * agent's own workspace, so the token is never on a command line and never in
 * the prompt (nor, therefore, in the gateway's session transcripts).
 *
 *   <workspaceRoot>/<agent slug>/.mission-control/run-<handle>.header   (dir 0700, file 0600)
 *   content: "Authorization: Bearer mcrt_…\n"   →   curl -H @.mission-control/run-<handle>.header …
 *
 * OpenClaw runs exec commands in the agent's workspace, so the relative path
 * works as is. The file is deleted when the token is revoked (run end) or found
 * expired; leftovers of a previous process (dead tokens) are swept at start.
 * When the agent has no workspace under the root (gateway elsewhere, profile
 * sync off) or the file cannot be written, the token falls back to the `env`
 * handoff. Writes are synchronous: a few bytes, once per run.
 */
import { nodeCrypto } from '../../core/lazy-crypto.ts';
import { chmodSync, closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { RunTokenHandoff } from '../../core/ports/run-tokens.ts';
import type { RunTokenServiceWithStats } from './run-tokens.ts';

export const TOKEN_DIR = '.mission-control';
const SAFE_SLUG = /^[a-z0-9][a-z0-9_-]*$/;
const TOKEN_FILE = /^run-[A-Za-z0-9_-]+\.header$/;

export interface TokenFilesOptions {
  /** Directory holding one workspace per agent slug, as this process sees it. */
  workspaceRoot: string;
  logger: Logger;
}

function isDirectory(p: string): boolean {
  try {
    return lstatSync(p).isDirectory(); // lstat: a symlink is not followed, and not accepted
  } catch {
    return false;
  }
}

/** Deletes token files left by an earlier process (their tokens died with it). Returns how many. */
export function sweepTokenFiles(workspaceRoot: string): number {
  let removed = 0;
  let agents: string[];
  try {
    agents = readdirSync(workspaceRoot);
  } catch {
    return 0;
  }
  for (const slug of agents) {
    const dir = path.join(workspaceRoot, slug, TOKEN_DIR);
    if (!SAFE_SLUG.test(slug) || !isDirectory(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!TOKEN_FILE.test(name)) continue;
      try {
        unlinkSync(path.join(dir, name));
        removed += 1;
      } catch {
        // gone already
      }
    }
  }
  return removed;
}

/** Wraps the in-memory token service: issue writes the file, revoke and expiry delete it. */
export function withTokenFiles(inner: RunTokenServiceWithStats, options: TokenFilesOptions): RunTokenServiceWithStats {
  const root = path.resolve(options.workspaceRoot);
  /** token → absolute file and the path the agent uses. */
  const files = new Map<string, { absolute: string; relative: string }>();

  function remove(token: string): void {
    const file = files.get(token);
    if (!file) return;
    files.delete(token);
    try {
      unlinkSync(file.absolute);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') options.logger.warn({ err: (err as Error).message, file: file.relative }, 'cannot delete a run token file');
    }
  }

  /** Files of tokens that are no longer valid (expired; revoked ones are removed at once). */
  function prune(): void {
    for (const token of files.keys()) if (!inner.verify(token).ok) remove(token);
  }

  function write(slug: string, token: string): { absolute: string; relative: string } | undefined {
    const workspace = path.join(root, slug);
    if (!SAFE_SLUG.test(slug) || !isDirectory(workspace)) return undefined;
    const dir = path.join(workspace, TOKEN_DIR);
    if (!isDirectory(dir)) {
      mkdirSync(dir, { mode: 0o700 });
      if (!isDirectory(dir)) return undefined;
    }
    chmodSync(dir, 0o700);
    const relative = `${TOKEN_DIR}/run-${nodeCrypto().randomBytes(9).toString('base64url')}.header`;
    const absolute = path.join(workspace, relative);
    // O_EXCL|O_NOFOLLOW: never write through a link or over a file someone planted.
    const fd = openSync(absolute, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, `Authorization: Bearer ${token}\n`);
    } finally {
      closeSync(fd);
    }
    return { absolute, relative };
  }

  return {
    issue(claims, ttlMs, issueOptions) {
      prune();
      const token = inner.issue(claims, ttlMs, issueOptions);
      try {
        const file = write(claims.agentSlug, token);
        if (file) files.set(token, file);
        else options.logger.debug({ agent: claims.agentSlug }, 'no workspace for the agent under workspaceRoot: run token handed over in the prompt');
      } catch (err) {
        options.logger.warn({ err: (err as Error).message, agent: claims.agentSlug }, 'cannot write the run token file; the token goes in the prompt instead');
      }
      return token;
    },
    verify: (token) => inner.verify(token),
    handoff(token): RunTokenHandoff {
      const file = files.get(token);
      return file ? { kind: 'file', path: file.relative } : inner.handoff(token);
    },
    revoke(token) {
      inner.revoke(token);
      remove(token);
    },
    size() {
      prune();
      return inner.size();
    },
  };
}
