/**
 * The backend contract through the Convex adapter: the real ConvexHttpClient,
 * real HTTP on loopback, the Convex wire protocol, the embedded backend behind
 * it. Error messages are redacted as in production, so every assertion rests
 * on kinds and codes.
 */
import { createConvexPort } from '../../plugins/backend-convex/port.ts';
import { startConvexWireServer } from '../support/convex-wire-server.ts';
import { defineBackendContract } from './backend.contract.ts';

defineBackendContract({
  name: 'Convex adapter over HTTP (production-style redacted errors)',
  messagesVisible: false,
  async start(service) {
    const server = await startConvexWireServer({ service, redactErrors: true });
    return {
      makePort: (credentials) => createConvexPort({ url: server.url, ...credentials, requestTimeoutMs: 10_000, retries: 0 }),
      stop: () => server.close(),
    };
  },
});
