/** document_list: list documents of the account, or of one task. Read-only. */
import Type from 'typebox';
import { DOCUMENT_TYPES } from '../../core/ports/domain.ts';
import { defineTool } from '../../core/tools/registry.ts';
import { IdString, StringEnum } from '../../core/tools/helpers.ts';

export const documentListTool = defineTool({
  name: 'document_list',
  description: 'List documents (id, title, type, task, last update), optionally of one task or one type.',
  effect: 'read',
  capability: 'list documents',
  attributes: { readOnly: true },
  parameters: Type.Object(
    {
      taskId: Type.Optional(IdString('Only documents of this task')),
      type: Type.Optional(StringEnum(DOCUMENT_TYPES)),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'default 50' })),
    },
    { additionalProperties: false },
  ),
  // The backend checks nothing here (§15.2), so the runtime gate is the only one.
  availability: (ctx) => ctx.capabilities.flags.canCreateDocuments || ctx.capabilities.hasTaskContext,
  async execute(ctx, params) {
    const data = await ctx.backend.listDocumentsForAgent({
      ...(params.taskId !== undefined ? { taskId: params.taskId } : {}),
      ...(params.type !== undefined ? { type: params.type } : {}),
      ...(params.limit !== undefined ? { limit: params.limit } : {}),
    });
    return { success: true, data };
  },
});
