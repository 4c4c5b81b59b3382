/**
 * Documents: #22 createDocumentFromAgent (create or update, version bump on a
 * content change), #23 listDocumentsForAgent, and the reference documents the
 * delivery context reads by exact title.
 */
import type { DocumentSummary, DocumentType } from '../../core/ports/domain.ts';
import { logActivity } from './activities.ts';
import { compact } from './db.ts';
import { forbidden, invalidArgument, notFound } from './errors.ts';
import { newId } from './ids.ts';
import { effectiveFlags, getAgent, getTask, loadAccount, type Ctx } from './model.ts';
import { clampLimit } from './task-queries.ts';

export const REPOSITORY_DOC_TITLE = 'Repository — Primary';
export const BRIEFING_DOC_TITLE = 'Account Briefing';
const MAX_TITLE = 2000;
const MAX_CONTENT = 1_000_000;

interface DocumentRow {
  id: string;
  account_id: string;
  task_id: string | null;
  title: string;
  content: string;
  type: DocumentType | null;
  version: number;
  updated_at: number;
  deleted_at: number | null;
}

export function createDocumentFromAgent(
  ctx: Ctx,
  args: { agentId: string; documentId?: string; taskId?: string; title: string; content: string; type: DocumentType },
): { documentId: string } {
  const account = loadAccount(ctx);
  const agent = getAgent(ctx, args.agentId);
  if (!effectiveFlags(account, agent).canCreateDocuments) throw forbidden('Agent is not allowed to create documents');
  const title = args.title.trim();
  if (!title) throw invalidArgument('Title is required');
  if (title.length > MAX_TITLE) throw invalidArgument(`Title too long (max ${MAX_TITLE} characters)`);
  if (args.content.length > MAX_CONTENT) throw invalidArgument(`Content too long (max ${MAX_CONTENT} characters)`);
  if (args.taskId !== undefined) getTask(ctx, args.taskId);
  const actor = { type: 'agent' as const, id: agent._id, name: agent.name };

  if (args.documentId !== undefined) {
    const doc = ctx.db.get<DocumentRow>('SELECT * FROM documents WHERE id = $id', { id: args.documentId });
    if (!doc || doc.deleted_at !== null) throw notFound('Document not found');
    if (doc.account_id !== ctx.accountId) throw forbidden('Document belongs to different account');
    const version = doc.content === args.content ? doc.version : doc.version + 1;
    ctx.db.run(
      `UPDATE documents SET title = $title, content = $content, type = $type, task_id = $task, version = $version,
         updated_at = $now WHERE id = $id`,
      { id: doc.id, title, content: args.content, type: args.type, task: args.taskId ?? doc.task_id, version, now: ctx.now },
    );
    logActivity(ctx, actor, 'document_updated', { type: 'document', id: doc.id, name: title }, { version });
    return { documentId: doc.id };
  }

  const id = newId('doc');
  ctx.db.run(
    `INSERT INTO documents (id, account_id, task_id, title, content, type, author_type, author_id, version, created_at, updated_at)
     VALUES ($id, $a, $task, $title, $content, $type, 'agent', $author, 1, $now, $now)`,
    { id, a: ctx.accountId, task: args.taskId, title, content: args.content, type: args.type, author: agent._id, now: ctx.now },
  );
  logActivity(ctx, actor, 'document_created', { type: 'document', id, name: title }, args.taskId ? { taskId: args.taskId } : undefined);
  return { documentId: id };
}

export function listDocumentsForAgent(
  ctx: Ctx,
  args: { taskId?: string; type?: DocumentType; limit?: number },
): { documents: DocumentSummary[] } {
  if (args.taskId !== undefined) getTask(ctx, args.taskId);
  const limit = clampLimit(args.limit, 50, 1, 100);
  const rows = ctx.db.all<DocumentRow>(
    `SELECT * FROM documents WHERE account_id = $a AND deleted_at IS NULL
       AND ($task IS NULL OR task_id = $task) AND ($type IS NULL OR type = $type)
     ORDER BY updated_at DESC, rowid DESC LIMIT $limit`,
    { a: ctx.accountId, task: args.taskId, type: args.type, limit },
  );
  return {
    documents: rows.map((r) =>
      compact<DocumentSummary>({ _id: r.id, title: r.title, type: r.type, taskId: r.task_id, updatedAt: r.updated_at }),
    ),
  };
}

/** The newest live reference document with exactly this title, content capped. */
export function findReferenceDoc(ctx: Ctx, title: string, maxContent: number): { title: string; content: string } | null {
  const row = ctx.db.get<{ title: string; content: string }>(
    `SELECT title, content FROM documents WHERE account_id = $a AND title = $title AND type = 'reference' AND deleted_at IS NULL
     ORDER BY updated_at DESC, rowid DESC LIMIT 1`,
    { a: ctx.accountId, title },
  );
  return row ? { title: row.title, content: row.content.slice(0, maxContent) } : null;
}
