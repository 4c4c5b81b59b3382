/**
 * Logging: pino, JSON in production, pretty in a terminal during development.
 *
 * Secrets are removed twice, configured once here:
 * - by field (core/log-redact.ts) for the places secrets are known to live;
 * - by value: every registered secret string (service token, gateway token, run
 *   tokens, secret plugin options) is replaced wherever it appears in a line,
 *   including inside error messages and stacks.
 */
import { createRequire } from 'node:module';
import { CENSOR, redactSecrets } from './log-redact.ts';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];



/** Secret values to scrub from every log line. Shared by a kernel and its loggers. */
export class SecretSet {
  readonly #values = new Set<string>();
  #pattern: RegExp | undefined;

  add(value: string | undefined | null): void {
    // Very short values would scrub ordinary words; such a "secret" is not worth the noise.
    if (typeof value !== 'string' || value.length < 6 || this.#values.has(value)) return;
    this.#values.add(value);
    const escaped = [...this.#values]
      .sort((a, b) => b.length - a.length)
      .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.#pattern = new RegExp(escaped.join('|'), 'g');
  }

  scrub(line: string): string {
    return this.#pattern ? line.replace(this.#pattern, CENSOR) : line;
  }

  get size(): number {
    return this.#values.size;
  }
}

export interface CreateLoggerOptions {
  level?: LogLevel;
  /** Pretty output; default: stdout is a TTY and NODE_ENV is not production. */
  pretty?: boolean;
  /** Where lines go (tests pass a stream); default stdout. */
  destination?: DestinationStream;
  secrets?: SecretSet;
  base?: Record<string, unknown>;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const secrets = options.secrets ?? new SecretSet();
  const pretty =
    options.destination === undefined &&
    (options.pretty ?? (process.stdout.isTTY === true && process.env.NODE_ENV !== 'production'));
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: options.base ?? { pid: process.pid },
    // Known secret fields in each line's fields (core/log-redact.ts). A child logger's bindings are
    // ids (plugin, notification); any registered secret value in them is scrubbed below.
    formatters: { log: redactSecrets },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: { streamWrite: (line: string) => secrets.scrub(line) },
    serializers: { err: pino.stdSerializers.err },
  };
  if (pretty) {
    // In-process, not as a pino transport: a transport is a worker thread that loads its files by
    // path from pino's package, which the bundle (dist/) does not keep. A terminal is development.
    const prettyStream = createRequire(import.meta.url)('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
    return pino(config, prettyStream({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino(config, options.destination ?? pino.destination({ dest: 1, sync: false }));
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
