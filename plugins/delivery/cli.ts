/**
 * `mc-runtime deliveries …`: operator view of the delivery loop's own state.
 *   dead [--json]       dead letters with their last error
 *   retry <id>          ask the (running or next) runtime to deliver a dead letter again
 *   stats               retrying and dead-lettered counts
 * Works on the store file whether or not the runtime runs (SQLite WAL).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DeliveryStore } from './store.ts';

export interface DeliveriesIo {
  storeFile: string;
  out(line: string): void;
  err(line: string): void;
}

export const DELIVERIES_USAGE = 'usage: mc-runtime deliveries dead [--json] | retry <notificationId> | stats';

export async function runDeliveriesCommand(argv: string[], io: DeliveriesIo): Promise<number> {
  const [sub, arg] = argv.filter((a) => !a.startsWith('--'));
  if (!sub || !['dead', 'retry', 'stats'].includes(sub)) {
    io.err(DELIVERIES_USAGE);
    return 1;
  }
  if (!existsSync(io.storeFile)) {
    io.out(`no delivery state yet (${path.basename(io.storeFile)} does not exist): nothing dead-lettered`);
    return sub === 'retry' ? 1 : 0;
  }
  const store = new DeliveryStore(io.storeFile);
  try {
    if (sub === 'stats') {
      const c = store.counts();
      io.out(`retrying: ${c.retrying}\ndead-lettered: ${c.dead}`);
      return 0;
    }
    if (sub === 'dead') {
      const dead = store.deadLetters();
      if (argv.includes('--json')) io.out(JSON.stringify(dead, null, 2));
      else if (dead.length === 0) io.out('no dead letters');
      else
        for (const d of dead) {
          io.out(
            `${d.notificationId}  ${d.notificationType}  agent=${d.agentId ?? '-'} task=${d.taskId ?? '-'}  attempts=${d.attempts}  ` +
              `dead since ${new Date(d.deadAt).toISOString()}${d.replayRequestedAt ? '  (retry requested)' : ''}\n    scope: ${d.scope}\n    last error: ${d.lastError}`,
          );
        }
      return 0;
    }
    if (!arg) {
      io.err(DELIVERIES_USAGE);
      return 1;
    }
    if (!store.requestReplay(arg, Date.now())) {
      io.err(`no dead letter with id ${arg} (see: mc-runtime deliveries dead)`);
      return 1;
    }
    io.out(`retry requested for ${arg}: the runtime delivers it on its next poll`);
    return 0;
  } finally {
    store.close();
  }
}
