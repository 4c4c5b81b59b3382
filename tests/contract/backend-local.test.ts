/** The backend contract on the embedded backend, in process. */
import { createLocalPort } from '../../plugins/backend-local/port.ts';
import { defineBackendContract } from './backend.contract.ts';

defineBackendContract({
  name: 'embedded SQLite backend (in process)',
  messagesVisible: true,
  async start(service) {
    return { makePort: (credentials) => createLocalPort(service, credentials), stop: async () => {} };
  },
});
