/** Shared pieces of the operations tests: a switchable check, HTTP helpers, a fake backend file. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { HttpServiceRef } from '../../core/services.ts';
import type { Kernel } from '../../core/kernel.ts';
import { writeFakeBackend, type FakeBackendState } from '../fixtures/plugins/fake-backend/index.ts';
import { REPO_ROOT } from '../support/cli.ts';

export const FAKE_BACKEND = path.join(REPO_ROOT, 'tests', 'fixtures', 'plugins', 'fake-backend', 'index.ts');

/** A plugin with one critical check (`switch.dependency`) the test turns on and off. */
export function switchPlugin(initial = true) {
  const state = { ok: initial, detail: 'dependency down' };
  const plugin = definePlugin({
    id: 'switch',
    version: '1.0.0',
    configSchema: Type.Object({}, { additionalProperties: false }),
    register(api) {
      api.health.check('dependency', () => (state.ok ? { ok: true } : { ok: false, detail: state.detail }));
    },
  });
  return { plugin, state };
}

export function baseUrl(kernel: Kernel): string {
  const http = kernel.services.get(HttpServiceRef);
  if (!http?.address()) throw new Error('http plugin is not listening');
  return http.baseUrl();
}

export async function get(kernel: Kernel, route: string): Promise<{ status: number; text: string; json: () => unknown; type: string }> {
  const res = await fetch(`${baseUrl(kernel)}${route}`);
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as unknown, type: res.headers.get('content-type') ?? '' };
}

/** Polls `fn` until it returns true (state that changes on a background timer). */
export async function eventually(fn: () => Promise<boolean> | boolean, timeoutMs = 5_000, stepMs = 25): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export function tempDir(prefix = 'mc-ops-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A fresh fake backend state file. */
export function fakeBackendFile(state: FakeBackendState = {}, dir = tempDir()): string {
  const file = path.join(dir, 'backend.json');
  writeFakeBackend(file, { reachable: true, restartRequested: false, pendingUpgrade: null, reports: [], calls: {}, ...state });
  return file;
}
