/** Counters and the last error of the delivery loop, for /health. Error texts are short and redacted upstream. */
import type { DeliveredEvent } from '../../core/hooks.ts';

export class DeliveryStats {
  delivered = 0;
  skipped = 0;
  retried = 0;
  deadLettered = 0;
  backendFailures = 0;
  lastPollAt: number | undefined;
  lastError: string | undefined;
  lastErrorAt: number | undefined;

  count(kind: DeliveredEvent['outcome']): void {
    if (kind === 'delivered') this.delivered++;
    else if (kind === 'skipped') this.skipped++;
    else if (kind === 'retry') this.retried++;
    else this.deadLettered++;
  }

  recordError(message: string, at: number): void {
    this.lastError = message.length > 300 ? `${message.slice(0, 299)}…` : message;
    this.lastErrorAt = at;
  }
}
