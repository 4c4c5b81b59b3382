/**
 * Run by store-disk-full.test.ts inside `unshare -rm` (root of a user + mount
 * namespace): puts a delivery store on a tmpfs of its own, fills the disk for
 * certain (disk-faults.ts), then calls every write of the store and prints, as
 * JSON, what each one did (and what the tool-call ledger answers a call about to run): `threw: <message>` or `returned: <value>`. A write
 * that returns on a full disk claims something was recorded that was not.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DeliveryStore } from '../../plugins/delivery/store.ts';
import { fillDisk } from './disk-faults.ts';

const dir = process.argv[2];
mkdirSync(dir, { recursive: true });
execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2048k', 'tmpfs', dir]);
const store = new DeliveryStore(path.join(dir, 'delivery.sqlite'), { scope: 'test', busyTimeoutMs: 0 });
const failure = { notificationId: 'n1', agentId: 'a1', taskId: 't1', error: 'boom', nextAttemptAt: 1, now: 1 };
store.recordFailure(failure);
store.recordFailure({ ...failure, notificationId: 'n2' });
const earlierCall = { tool: 'document_upsert', args: '{"title":"before"}' };
store.toolCalls.forNotification('n1').record(earlierCall, { success: true, documentId: 'd1' });
await fillDisk(dir, path.join(dir, 'filler.bin'));

const writes: Record<string, () => unknown> = {
  // A mutating call about to run asks the ledger first: one that ran before gets its result
  // (a read), a new one must not run when its effect could not be recorded afterwards.
  ledgerLookupRecorded: () => store.toolCalls.forNotification('n1').lookup(earlierCall),
  ledgerLookupNew: () => store.toolCalls.forNotification('n1').lookup({ tool: 'document_upsert', args: '{"title":"new"}' }),
  recordFailure: () => store.recordFailure(failure),
  recordFirstFailure: () => store.recordFailure({ ...failure, notificationId: 'n3' }),
  clearRetry: () => store.clearRetry('n2'),
  deadLetter: () => store.deadLetter({ notificationId: 'n1', notificationType: 'assignment', agentId: 'a1', taskId: 't1', attempts: 2, lastError: 'boom', deadAt: 2 }),
  probeWrite: () => store.probeWrite(3),
  // Queued, then written in a batch (attempt-log.ts): the flush is the write.
  attemptHistory: () => {
    store.attempts.record({ notificationId: 'n1', notificationType: 'assignment', agent: 'a1', attempt: 2, startedAt: 2, durationMs: 1, outcome: 'retry', detail: 'boom', toolCalls: [] });
    store.attempts.flush();
  },
  toolLedger: () => store.toolCalls.forNotification('n1').record({ tool: 'task_create', args: '{}' }, { ok: true, data: {} } as never),
};
const out: Record<string, string> = {};
for (const [name, write] of Object.entries(writes)) {
  try {
    out[name] = `returned: ${JSON.stringify(write() ?? null)}`;
  } catch (err) {
    out[name] = `threw: ${(err as Error).message}`;
  }
}
// What the store holds afterwards: nothing a returned write claimed.
out.retriesAfter = JSON.stringify(store.retries().map((r) => [r.notificationId, r.attempts]));
process.stdout.write(JSON.stringify(out));
