/**
 * The HTTP server every other plugin adds routes to (health, metrics, agent
 * tool fallbacks). One fastify instance sharing the kernel's pino logger;
 * routes are added during `register`, the server listens in `start` and, having
 * started first, closes last.
 *
 * fastify is imported when the plugin registers, not when its module loads:
 * CLI commands import every plugin of the config to find their commands and
 * must not pay for the HTTP stack (~50 ms; docs/performance.md).
 */
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { HttpServiceRef } from '../../core/services.ts';
import type { HttpService } from '../../core/ports/http.ts';

const Options = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
    /** Base URL agents use to reach this server; derived from host/port when unset. */
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 10 * 1024 * 1024, default: 256 * 1024 }),
    requestTimeoutMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 30_000 }),
  },
  { additionalProperties: false },
);

/**
 * fastify's schema compilers (ajv for validation, fast-json-stringify for responses), loaded when a
 * route first declares a schema. fastify builds both when the server is constructed; our own routes
 * declare none, and the two with their ajv copies are a third of the bundle. Same packages, same
 * defaults as fastify's (scripts/build-dist.mjs checks they resolve to fastify's own).
 */
function lazyCompilers(): NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'] {
  const require = createRequire(import.meta.url);
  let validator: ((...args: unknown[]) => unknown) | undefined;
  let serializer: ((...args: unknown[]) => unknown) | undefined;
  return {
    buildValidator: (...args: unknown[]) => (validator ??= (require('@fastify/ajv-compiler') as () => (...a: unknown[]) => unknown)())(...args),
    buildSerializer: (...args: unknown[]) => (serializer ??= (require('@fastify/fast-json-stringify-compiler') as () => (...a: unknown[]) => unknown)())(...args),
  } as NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'];
}

function connectHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export default definePlugin({
  id: 'http',
  version: '1.0.0',
  description: 'Shared fastify HTTP server (HEALTH_HOST:HEALTH_PORT)',
  provides: ['http'],
  configSchema: Options,
  env: {
    HEALTH_HOST: { path: 'host', type: 'string' },
    HEALTH_PORT: { path: 'port', type: 'integer' },
    TASK_STATUS_BASE_URL: { path: 'publicUrl', type: 'url' },
  },
  async register(api, options) {
    // Only the default export: in the bundle a CommonJS package imported dynamically has no named exports.
    const { default: Fastify } = await import('fastify');
    // The kernel's pino logger type is narrower than FastifyBaseLogger in fastify's generics.
    const app = Fastify({
      loggerInstance: api.logger,
      // Health and metrics scrapes would flood the log at info level.
      logController: new Fastify.LogController({ disableRequestLogging: true }),
      bodyLimit: options.bodyLimitBytes,
      requestTimeout: options.requestTimeoutMs,
      return503OnClosing: true,
      forceCloseConnections: 'idle',
      schemaController: { compilersFactory: lazyCompilers() },
    }) as unknown as FastifyInstance;
    let address: { host: string; port: number } | undefined;
    const service: HttpService = {
      app,
      address: () => address,
      baseUrl: () => options.publicUrl ?? `http://${connectHost(options.host)}:${address?.port ?? options.port}`,
    };
    api.provide(HttpServiceRef, service);
    return {
      async start() {
        try {
          await app.listen({ host: options.host, port: options.port });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE') throw new Error(`port ${options.port} on ${options.host} is already in use (set HEALTH_PORT)`, { cause: err });
          throw err;
        }
        const info = app.server.address();
        address = typeof info === 'object' && info ? { host: options.host, port: info.port } : { host: options.host, port: options.port };
      },
      async stop() {
        await app.close();
      },
    };
  },
});
