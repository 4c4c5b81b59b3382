/**
 * `mc-runtime deliveries …`: operator view of the delivery loop's own state.
 *   dead [--json]       dead letters with their last error
 *   retry <id>          ask the (running or next) runtime to deliver a dead letter again
 *   stats               retrying and dead-lettered counts
 *   show <id> [--json]  every attempt of one notification (time, outcome, error, tool calls,
 *                       duration) and the tool effects recorded for it: "why didn't the agent answer?"
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

export const DELIVERIES_USAGE = 'usage: mc-runtime deliveries dead [--json] | retry <notificationId> | stats | show <notificationId> [--json]';

export async function runDeliveriesCommand(argv: string[], io: DeliveriesIo): Promise<number> {
  const [sub, arg] = argv.filter((a) => !a.startsWith('--'));
  if (!sub || !['dead', 'retry', 'stats', 'show'].includes(sub)) {
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
    if (sub === 'show') return show(store, arg, argv.includes('--json'), io);
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

/** One notification's history from the local store (every scope: the operator view). */
function show(store: DeliveryStore, id: string, json: boolean, io: DeliveriesIo): number {
  const attempts = store.attempts.of(id);
  const effects = store.toolCalls.callsOf(id);
  const dead = store.deadLetters().find((d) => d.notificationId === id) ?? null;
  if (json) {
    io.out(JSON.stringify({ notificationId: id, attempts, toolEffects: effects.map((e) => ({ ...e, args: JSON.parse(e.args) as unknown })), deadLetter: dead }, null, 2));
    return attempts.length === 0 && !dead ? 1 : 0;
  }
  if (attempts.length === 0 && !dead) {
    io.err(`no attempts recorded for ${id} (never run here, or older than the history's retention)`);
    return 1;
  }
  const first = attempts[0];
  io.out(`${id}  ${first?.notificationType ?? dead?.notificationType ?? ''}  agent=${first?.agent ?? dead?.agentId ?? '-'}`);
  for (const a of attempts) {
    const calls = a.toolCalls.length === 0 ? '' : `\n    tools: ${a.toolCalls.map((c) => `${c.tool} ${c.outcome} ${c.ms}ms`).join(', ')}`;
    io.out(`  ${new Date(a.startedAt).toISOString()}  attempt ${a.attempt}  ${a.outcome}  ${a.durationMs} ms${a.detail ? `\n    ${a.detail}` : ''}${calls}`);
  }
  if (effects.length > 0) {
    io.out('  tool effects recorded (a repeat of one of these returns its result instead of running again):');
    for (const e of effects) io.out(`    ${new Date(e.at).toISOString()}  ${e.tool} ${e.args.length > 200 ? `${e.args.slice(0, 199)}…` : e.args}`);
  }
  if (dead) io.out(`  dead-lettered since ${new Date(dead.deadAt).toISOString()} after ${dead.attempts} attempt(s)${dead.replayRequestedAt ? ' (retry requested)' : ''}: ${dead.lastError}`);
  return 0;
}
