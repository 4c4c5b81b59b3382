/**
 * The runtime metrics this plugin owns, fed by observation hooks so every
 * delivery, tool and heartbeat implementation is measured the same way.
 * Labels are bounded: outcomes are enums, tool names come from the registry
 * (a name the registry does not know is counted as `unknown`).
 */
import type { MetricsApi } from '../../core/metrics.ts';
import type { DeliveredEvent, DeliveryOutcomeKind, HeartbeatEvent, ToolCallOutcomeEvent } from '../../core/hooks.ts';

const DELIVERY_OUTCOMES: DeliveryOutcomeKind[] = ['delivered', 'skipped', 'retry', 'dead_lettered'];
const HEARTBEAT_OUTCOMES: HeartbeatEvent['outcome'][] = ['ok', 'posted', 'skipped', 'failed'];

export interface RuntimeMetrics {
  delivered(event: DeliveredEvent): void;
  toolCall(event: ToolCallOutcomeEvent, known: (tool: string) => boolean): void;
  heartbeat(event: HeartbeatEvent): void;
}

export function createRuntimeMetrics(metrics: MetricsApi): RuntimeMetrics {
  const deliveries = metrics.counter({
    name: 'runtime_deliveries_total',
    help: 'Notifications that reached an outcome (delivered, skipped, retry, dead_lettered)',
    labelNames: ['outcome'],
  });
  const deliverySeconds = metrics.histogram({
    name: 'runtime_delivery_duration_seconds',
    help: 'Time from picking a notification up to its outcome, agent run included',
    labelNames: ['outcome'],
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
  });
  const toolCalls = metrics.counter({
    name: 'runtime_tool_calls_total',
    help: 'Agent tool calls by tool and result (ok, invalid, unavailable, blocked, refused, error)',
    labelNames: ['tool', 'outcome'],
  });
  const toolSeconds = metrics.histogram({
    name: 'runtime_tool_call_duration_seconds',
    help: 'Duration of agent tool calls',
    labelNames: ['tool', 'outcome'],
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const heartbeats = metrics.counter({
    name: 'runtime_heartbeats_total',
    help: 'Agent heartbeats by outcome (ok, posted, skipped, failed)',
    labelNames: ['outcome'],
  });
  // Series that exist from the start read as 0 instead of "no data" in rate().
  for (const outcome of DELIVERY_OUTCOMES) deliveries.inc({ outcome }, 0);
  for (const outcome of HEARTBEAT_OUTCOMES) heartbeats.inc({ outcome }, 0);

  const seconds = (ms: number) => (Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0);
  return {
    delivered(e) {
      if (!DELIVERY_OUTCOMES.includes(e.outcome)) return;
      deliveries.inc({ outcome: e.outcome });
      deliverySeconds.observe({ outcome: e.outcome }, seconds(e.durationMs));
    },
    toolCall(e, known) {
      const labels = { tool: known(e.tool) ? e.tool : 'unknown', outcome: e.outcome };
      toolCalls.inc(labels);
      toolSeconds.observe(labels, seconds(e.durationMs));
    },
    heartbeat(e) {
      if (!HEARTBEAT_OUTCOMES.includes(e.outcome)) return;
      heartbeats.inc({ outcome: e.outcome });
    },
  };
}
