/**
 * The OpenAPI 3.1 document of the HTTP fallback, generated from the tool
 * registry: one POST operation per tool, its request body the tool's schema
 * (the same one the function tool and the validator use).
 */
import type { RegisteredTool } from '../../core/tools/registry.ts';
import { toolHttpPath } from '../../core/tools/registry.ts';

const ERROR_BODY = {
  type: 'object',
  required: ['success', 'error'],
  properties: {
    success: { const: false },
    error: { type: 'string' },
    field: { type: 'string', description: 'Parameter at fault (400)' },
    retryable: { type: 'boolean', description: 'Set on 503: try again later' },
  },
};

const RESPONSES: Record<string, string> = {
  '400': 'Malformed JSON or invalid arguments (`field` names the parameter at fault)',
  '401': 'Missing, invalid, expired or revoked run token',
  '403': 'Caller address not allowed, tool not available to this agent here, or refused as forbidden',
  '404': 'Unknown tool, or the target does not exist',
  '409': 'Conflict with the current state',
  '413': 'Request body too large',
  '415': 'Unsupported content type',
  '422': 'Refused by the backend (invalid transition or argument)',
  '503': 'Backend unavailable; retry later',
};

export function buildOpenApi(tools: RegisteredTool[], info: { baseUrl: string; version: string; bodyLimitBytes: number }): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const { definition: t } of tools) {
    const responses: Record<string, unknown> = {
      '200': {
        description: 'The tool ran',
        content: { 'application/json': { schema: { type: 'object', required: ['success'], properties: { success: { const: true } } } } },
      },
    };
    for (const [status, description] of Object.entries(RESPONSES)) {
      responses[status] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ToolError' } } } };
    }
    paths[toolHttpPath(t.name)] = {
      post: {
        operationId: t.name,
        summary: t.capability,
        description: t.description,
        security: [{ runToken: [] }],
        requestBody: { required: false, content: { 'application/json': { schema: structuredClone(t.parameters) } } },
        responses,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mission Control runtime: agent tool HTTP fallback',
      version: info.version,
      description:
        'Every agent tool as POST /agent/<tool-name-with-dashes>. Authenticate with the run token from your instructions ' +
        `(Authorization: Bearer <token>). Bodies are JSON, at most ${info.bodyLimitBytes} bytes. ` +
        'Which tools a token may call depends on the agent and the run, as listed in the instructions.',
    },
    servers: [{ url: info.baseUrl }],
    components: {
      securitySchemes: { runToken: { type: 'http', scheme: 'bearer', description: 'Run token issued for one agent run' } },
      schemas: { ToolError: ERROR_BODY },
    },
    paths,
  };
}
