/**
 * The world each contract test runs in: a fresh embedded backend (temp SQLite
 * file, controllable clock) with the demo account and a second account, and a
 * port built by the target under test (in-process, or Convex over HTTP).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BackendError, type BackendErrorCode, type BackendFunctionName, type BackendPort } from '../../core/ports/backend.ts';
import * as admin from '../../plugins/backend-local/admin.ts';
import { openLocalBackend, type LocalBackend } from '../../plugins/backend-local/index.ts';
import type { Ctx } from '../../plugins/backend-local/model.ts';
import { seedDemoAccount, type SeedResult } from '../../plugins/backend-local/seed.ts';

export interface Credentials {
  accountId: string;
  serviceToken: string;
}

export interface ContractTarget {
  name: string;
  /** Error messages reach the caller unredacted, so tests may also check their text. */
  messagesVisible: boolean;
  /** Starts the transport in front of `service` once per file. */
  start(service: { call(fn: string, args: unknown): unknown }): Promise<{
    makePort(credentials: Credentials): BackendPort;
    stop(): Promise<void>;
  }>;
}

export class TestClock {
  #t = Date.UTC(2026, 0, 15, 9, 0, 0);
  /** Strictly increasing (1 ms per read), so creation order is also time order. */
  now = (): number => ++this.#t;
  advance(ms: number): void {
    this.#t += ms;
  }
}

export interface World {
  backend: LocalBackend;
  clock: TestClock;
  demo: SeedResult;
  /** Port of the demo account. */
  port: BackendPort;
  portFor(credentials: Credentials): BackendPort;
  other: Credentials & { agentId: string; taskId: string; notificationId: string };
  /** Runs operator/user actions on the demo account (one transaction). */
  admin<T>(fn: (ctx: Ctx, userId: string) => T): T;
  /** A task created by the demo user, assigned to the given agent slugs. */
  userTask(title: string, slugs?: Array<'orion' | 'engineer' | 'qa'>): string;
  close(): void;
}

export function createWorld(makePort: (c: Credentials) => BackendPort): World {
  const dir = mkdtempSync(join(tmpdir(), 'mc-contract-'));
  const clock = new TestClock();
  const backend = openLocalBackend(join(dir, 'mc.sqlite'), { now: clock.now });
  const demo = seedDemoAccount(backend.db, clock.now);
  const other = admin.createAccount(backend.db, { name: 'Other', slug: 'other' }, clock.now());
  const otherIds = admin.withAccount(
    backend.db,
    other.accountId,
    'write',
    (ctx) => {
      const userId = admin.createUser(ctx, { name: 'Olga' });
      const agentId = admin.createAgent(ctx, { name: 'Otto', slug: 'otto', role: 'Lead', orchestrator: true });
      const taskId = admin.userCreateTask(ctx, userId, { title: 'Other account task', assignedAgentIds: [agentId] });
      const n = ctx.db.get<{ id: string }>('SELECT id FROM notifications WHERE account_id = $a', { a: ctx.accountId });
      return { agentId, taskId, notificationId: n!.id };
    },
    clock.now,
  );
  const adminFn = <T>(fn: (ctx: Ctx, userId: string) => T): T =>
    admin.withAccount(backend.db, demo.accountId, 'write', (ctx) => fn(ctx, demo.userId), clock.now);
  return {
    backend,
    clock,
    demo,
    port: makePort({ accountId: demo.accountId, serviceToken: demo.serviceToken }),
    portFor: makePort,
    other: { ...other, ...otherIds },
    admin: adminFn,
    userTask: (title, slugs = []) =>
      adminFn((ctx, userId) => admin.userCreateTask(ctx, userId, { title, assignedAgentIds: slugs.map((s) => demo.agents[s]) })),
    close: () => {
      backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Wraps a port so every method invoked is recorded (coverage of the 32 functions). */
export function tracked(port: BackendPort, seen: Set<string>): BackendPort {
  return new Proxy(port, {
    get(target, prop, receiver) {
      if (typeof prop === 'string') seen.add(prop as BackendFunctionName);
      return Reflect.get(target, prop, receiver);
    },
  });
}

/** Asserts `promise` rejects with a `rejected` BackendError carrying `code` (and, when visible, a message). */
export async function expectRejected(
  promise: Promise<unknown>,
  code: BackendErrorCode,
  target: ContractTarget,
  message?: RegExp,
): Promise<BackendError> {
  const err = await promise.then(
    () => {
      throw new Error(`expected a rejection with code ${code}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BackendError);
  const be = err as BackendError;
  expect({ kind: be.kind, code: be.code }).toEqual({ kind: 'rejected', code });
  expect(be.transient).toBe(false);
  if (message && target.messagesVisible) expect(be.message).toMatch(message);
  return be;
}
