/**
 * The GatewayPort over OpenClaw: client + turn loop + readiness prober, without
 * any kernel wiring (index.ts adds options, metrics, health), so tests can
 * build it directly against the scripted gateway.
 */
import { linkAbort, type LinkedAbort } from '../../core/abort.ts';
import type { Clock } from '../../core/clock.ts';
import { GatewayError, type AgentTurnRequest, type AgentTurnResult, type GatewayPort } from '../../core/ports/gateway.ts';
import { createGatewayClient, type ExchangeEvent, type GatewayClient } from './client.ts';
import { createProber, type Prober, type ProberLogger, type ProberOptions } from './prober.ts';
import { safeUrl } from './redact.ts';
import { runAgentTurn } from './turn.ts';
import type { HttpClient } from '../../core/http-client.ts';

export interface OpenClawGatewayOptions {
  url: string;
  token?: string;
  requestTimeoutMs: number;
  maxToolRounds: number;
  probeIntervalMs: number;
  probeTimeoutMs?: number;
  downRetryMinMs?: number;
  clock: Clock;
  logger: ProberLogger;
  http?: HttpClient;
  onExchange?: (event: ExchangeEvent) => void;
  onTurn?: (result: AgentTurnResult | undefined, error: unknown, seconds: number) => void;
  onTransition?: ProberOptions['onTransition'];
}

export interface OpenClawGateway extends GatewayPort {
  readonly client: GatewayClient;
  readonly prober: Prober;
  /** Starts periodic probing. */
  start(): void;
  /** Stops probing and cancels turns still in flight. */
  stop(): Promise<void>;
}

export function createOpenClawGateway(options: OpenClawGatewayOptions): OpenClawGateway {
  const client = createGatewayClient({
    url: options.url,
    token: options.token,
    requestTimeoutMs: options.requestTimeoutMs,
    http: options.http,
    onExchange: options.onExchange,
  });
  const probeTimeoutMs = Math.min(options.probeTimeoutMs ?? 5000, options.probeIntervalMs);
  const prober = createProber({
    check: async (signal) => {
      await client.listModels(probeTimeoutMs, signal);
    },
    clock: options.clock,
    logger: options.logger,
    intervalMs: options.probeIntervalMs,
    downRetryMinMs: options.downRetryMinMs,
    target: safeUrl(options.url),
    onTransition: options.onTransition,
  });
  const inFlight = new Set<LinkedAbort>();
  let stopped = false;

  return {
    client,
    prober,
    status: () => prober.status(),
    probe: (signal) => prober.probe(signal),

    async runAgentTurn(request: AgentTurnRequest): Promise<AgentTurnResult> {
      if (stopped) throw new GatewayError('aborted', 'gateway plugin is stopped');
      // Our own link lets stop() cancel turns that outlive the shutdown drain.
      const turn = linkAbort([request.signal]);
      const signal = turn.signal;
      inFlight.add(turn);
      const started = performance.now();
      try {
        const result = await runAgentTurn(
          {
            client,
            token: options.token,
            maxToolRounds: options.maxToolRounds,
            turnTimeoutMs: options.requestTimeoutMs,
            onOutcome: (ok, error) => prober.observe(ok, error),
          },
          { ...request, signal },
        );
        options.onTurn?.(result, undefined, (performance.now() - started) / 1000);
        return result;
      } catch (err) {
        options.onTurn?.(undefined, err, (performance.now() - started) / 1000);
        throw err;
      } finally {
        inFlight.delete(turn);
        turn.release();
      }
    },

    start() {
      stopped = false;
      prober.start();
    },

    async stop() {
      stopped = true;
      for (const c of inFlight) c.abort(new Error('gateway plugin stopping'));
      await prober.stop();
      client.close();
    },
  };
}
