/**
 * The HTTP service: one fastify instance shared by plugins. Plugins add routes
 * during `register` (before the server listens); the `http` plugin listens in
 * `start` and closes last.
 */
import type { FastifyInstance } from 'fastify';

export interface HttpService {
  /** The fastify instance. Add routes or encapsulated fastify plugins in `register`. */
  readonly app: FastifyInstance;
  /** Address the server listens on once started (undefined before). */
  address(): { host: string; port: number } | undefined;
  /** Base URL agents and tools use to reach this server (e.g. `http://127.0.0.1:3000`). */
  baseUrl(): string;
}
