/** document_upsert: create a document, or update one by id (a new version when content changes). */
import Type from 'typebox';
import { DOCUMENT_TYPES } from '../../core/ports/domain.ts';
import { defineTool } from '../../core/tools/registry.ts';
import { IdString, StringEnum } from '../../core/tools/helpers.ts';

export const documentUpsertTool = defineTool({
  name: 'document_upsert',
  description:
    'Create a document, or update one when documentId is given. New documents attach to this run\'s task unless taskId says otherwise. ' +
    'Link it in your reply as [Title](/document/<documentId>).',
  effect: 'mutating',
  capability: 'create/update documents',
  attributes: { idempotent: true },
  parameters: Type.Object(
    {
      documentId: Type.Optional(IdString('Document to update; omit to create')),
      taskId: Type.Optional(IdString('Task the document belongs to')),
      title: Type.String({ minLength: 1, maxLength: 2000 }),
      content: Type.String({ minLength: 1, maxLength: 1_000_000, description: 'Markdown' }),
      type: StringEnum(DOCUMENT_TYPES),
    },
    { additionalProperties: false },
  ),
  availability: (ctx) => ctx.capabilities.flags.canCreateDocuments,
  async execute(ctx, params) {
    const taskId = params.taskId ?? (params.documentId ? undefined : ctx.subject.taskId);
    const { documentId } = await ctx.backend.createDocumentFromAgent({
      agentId: ctx.subject.agentId,
      title: params.title,
      content: params.content,
      type: params.type,
      ...(params.documentId !== undefined ? { documentId: params.documentId } : {}),
      ...(taskId !== undefined ? { taskId } : {}),
    });
    return { success: true, documentId };
  },
});
