/**
 * One behavioural contract for the backend port, run against every backend:
 * the embedded backend in process, and the Convex adapter over real HTTP to
 * the wire server in front of the embedded backend. Assertions rest on error
 * kinds and codes, never on message text (except where the target says
 * messages are visible).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND_FUNCTIONS, type BackendPort } from '../../core/ports/backend.ts';
import { agentContract } from './contract-agents.ts';
import { authContract } from './contract-auth.ts';
import { messageContract } from './contract-messages.ts';
import { notificationContract } from './contract-notifications.ts';
import { runtimeContract } from './contract-runtime.ts';
import { taskContract } from './contract-tasks.ts';
import { createWorld, tracked, type ContractTarget, type Credentials, type World } from './harness.ts';

export type { ContractTarget } from './harness.ts';

export interface ContractContext {
  target: ContractTarget;
  world(): World;
}

export function defineBackendContract(target: ContractTarget): void {
  describe(`backend contract: ${target.name}`, () => {
    const seen = new Set<string>();
    let current: World | undefined;
    let transport: Awaited<ReturnType<ContractTarget['start']>> | undefined;
    // The transport starts once; each test swaps in a fresh embedded backend behind it.
    const service = {
      call: (fn: string, args: unknown) => {
        if (!current) throw new Error('no world');
        return current.backend.service.call(fn, args);
      },
    };

    beforeAll(async () => {
      transport = await target.start(service);
    });
    afterAll(async () => {
      await transport?.stop();
    });
    beforeEach(() => {
      const makePort = (c: Credentials): BackendPort => tracked(transport!.makePort(c), seen);
      current = createWorld(makePort);
    });
    afterEach(() => {
      current?.close();
      current = undefined;
    });

    const ctx: ContractContext = { target, world: () => current! };
    authContract(ctx);
    notificationContract(ctx);
    messageContract(ctx);
    taskContract(ctx);
    agentContract(ctx);
    runtimeContract(ctx);

    // Runs last (tests run in order): every function of the contract was exercised.
    it('exercises all 32 service functions', () => {
      expect(BACKEND_FUNCTIONS).toHaveLength(32);
      expect(BACKEND_FUNCTIONS.filter((fn) => !seen.has(fn))).toEqual([]);
    });
  });
}
