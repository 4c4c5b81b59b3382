/**
 * The shared server: a plugin's route with a JSON schema is validated and
 * serialised by fastify's own compilers, which the plugin loads only when a
 * route first declares a schema.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { HttpServiceRef } from '../../core/services.ts';
import { createTestKernel, type TestKernel } from '../../tests/support/test-kernel.ts';

let t: TestKernel | undefined;
afterEach(async () => {
  await t?.kernel.stop();
  t = undefined;
});

const echo = definePlugin({
  id: 'echo-route',
  version: '1.0.0',
  dependsOn: ['http'],
  configSchema: Type.Object({}),
  register(api) {
    const { app } = api.use(HttpServiceRef);
    app.post(
      '/echo',
      {
        schema: {
          body: Type.Object({ name: Type.String({ minLength: 1 }), count: Type.Integer({ minimum: 1 }) }),
          response: { 200: Type.Object({ greeting: Type.String() }) },
        },
      },
      async (req) => {
        const body = req.body as { name: string; count: number };
        return { greeting: `hello ${body.name} x${body.count}`, internal: 'not in the response schema' };
      },
    );
  },
});

describe('http plugin', () => {
  it('validates a route body against its schema and serialises the response by its schema', async () => {
    t = await createTestKernel({ plugins: [{ use: 'http', options: { port: 0 } }, { plugin: echo }] });
    await t.kernel.start();
    const base = t.kernel.services.get(HttpServiceRef)!.baseUrl();
    const ok = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ada', count: 2 }) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ greeting: 'hello ada x2' });
    const bad = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ada', count: 0 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/count/);
  });
});
