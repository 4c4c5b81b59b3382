/**
 * A writer process for the durability tests: opens the embedded backend's
 * SQLite file and writes tasks and messages through the service as fast as it
 * can, printing a line only after each transaction committed. The parent kills
 * it with SIGKILL at an arbitrary point, or runs several at once.
 *
 * usage: node tests/support/sqlite-writer.ts <dbPath> <accountId> <serviceToken> <agentId> <count (0 = forever)> <tag> [torn]
 *
 * With `torn`, after `count` commits it opens one write transaction and keeps
 * inserting large rows into it without ever committing (printing `mid-transaction`
 * once inside), so a kill is guaranteed to land in an uncommitted transaction whose
 * pages have already spilled into the WAL.
 */
import { openDatabase } from '../../plugins/backend-local/db.ts';
import { createLocalService } from '../../plugins/backend-local/service.ts';

const [dbPath, accountId, serviceToken, agentId, countArg, tag, mode] = process.argv.slice(2);
const count = Number(countArg);
const db = openDatabase(dbPath, { busyTimeoutMs: 20_000 });
const service = createLocalService(db);
// Big enough that one transaction spans many pages, so a kill lands mid-write.
const filler = 'lorem ipsum dolor sit amet '.repeat(800);

process.stdout.write(`ready ${process.pid}\n`);
for (let i = 0; count === 0 || i < count; i++) {
  const title = `${tag}-${i}`;
  const { taskId } = service.call('createTaskFromAgent', {
    accountId,
    serviceToken,
    agentId,
    title,
    description: `${filler}${i}`,
    status: 'in_progress',
  }) as { taskId: string };
  // Pipes are synchronous on Linux: once the parent reads this line, the commit above happened.
  process.stdout.write(`task ${title} ${taskId}\n`);
  const { messageId } = service.call('createMessageFromAgent', {
    accountId,
    serviceToken,
    agentId,
    taskId,
    content: `${filler}message ${i}`,
  }) as { messageId: string };
  process.stdout.write(`message ${taskId} ${messageId}\n`);
}
if (mode === 'torn') {
  db.raw.exec('BEGIN IMMEDIATE');
  const insert = db.raw.prepare(
    `INSERT INTO tasks (id, account_id, title, description, status, priority, assigned_user_ids, assigned_agent_ids, labels,
       created_by, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'inbox', 3, '[]', '[]', '[]', ?, ?, ?)`,
  );
  for (let i = 0; ; i++) {
    insert.run(`torn${tag}${i}`, accountId, `torn-${tag}-${i}`, filler.repeat(4), agentId, Date.now(), Date.now());
    if (i === 200) process.stdout.write('mid-transaction\n');
  }
}
db.close();
process.stdout.write('done\n');
