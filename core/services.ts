/**
 * Typed service references. A plugin `provides` a service by id and other
 * plugins `dependsOn` that id, so a deployment swaps an implementation (the
 * embedded backend for Convex, say) by changing config only.
 */
import type { BackendPort } from './ports/backend.ts';
import type { GatewayPort } from './ports/gateway.ts';
import type { HttpService } from './ports/http.ts';

export interface ServiceRef<T> {
  readonly id: string;
  /** Phantom field carrying the service type; never set at run time. */
  readonly __type?: T;
}

export function createServiceRef<T>(id: string): ServiceRef<T> {
  if (!/^[a-z][a-z0-9-]*$/.test(id)) throw new Error(`service id "${id}" must be kebab-case`);
  return Object.freeze({ id });
}

/** The shared brain (Mission Control backend). Provided by `backend-local` or `backend-convex`. */
export const BackendService = createServiceRef<BackendPort>('backend');
/** The agent gateway. Provided by `gateway-openclaw`. */
export const GatewayService = createServiceRef<GatewayPort>('gateway');
/** The HTTP server that plugins add routes to. Provided by `http`. */
export const HttpServiceRef = createServiceRef<HttpService>('http');

export class ServiceRegistry {
  readonly #services = new Map<string, { value: unknown; provider: string }>();

  provide<T>(ref: ServiceRef<T>, value: T, provider: string): void {
    const existing = this.#services.get(ref.id);
    if (existing) {
      throw new Error(`service "${ref.id}" is already provided by plugin "${existing.provider}" (plugin "${provider}" tried again)`);
    }
    this.#services.set(ref.id, { value, provider });
  }

  get<T>(ref: ServiceRef<T>): T | undefined {
    return this.#services.get(ref.id)?.value as T | undefined;
  }

  providerOf(id: string): string | undefined {
    return this.#services.get(id)?.provider;
  }

  remove(provider: string): void {
    for (const [id, entry] of this.#services) if (entry.provider === provider) this.#services.delete(id);
  }
}

/** Run tokens for the HTTP tool fallback. Provided by `agent-http`. */
export const RunTokensRef = createServiceRef<import('./ports/run-tokens.ts').RunTokenService>('run-tokens');

/** Per-agent turn coordination between delivery and heartbeats. Provided by `delivery`. */
export const AgentTurnsRef = createServiceRef<import('./ports/agent-turns.ts').AgentTurns>('agent-turns');
