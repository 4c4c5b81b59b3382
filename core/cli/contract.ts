/**
 * What a plugin contributes to the `mc-runtime` command besides its runtime
 * behaviour: operator commands (`definePlugin({ commands })`) and diagnostics
 * for `mc-runtime doctor` (`definePlugin({ doctor })`). Both run without the
 * runtime: no kernel, no other plugin, only the config and the environment.
 */

export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
}

/** This plugin's settings as the config file and the environment resolve them. */
export interface PluginSettings {
  /** The runtime data dir (relative paths resolve from the working directory). */
  dataDir: string;
  /**
   * The plugin's validated options (defaults and env applied), or undefined when the config does
   * not load this plugin (condition, `enabled: false`) or does not validate; `problem` says why.
   */
  options: Record<string, unknown> | undefined;
  problem?: string;
}

export interface PluginCommandContext {
  io: CommandIo;
  /** Absolute path of the config file in use. */
  configPath: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Resolves the config (imports every plugin module), so call it only when needed. */
  settings(): Promise<PluginSettings>;
}

/** One top-level command, `mc-runtime <name> …`. */
export interface PluginCommand {
  /** A single word, unique across the config's plugins and distinct from the built-in commands. */
  name: string;
  /** One line, e.g. `deliveries dead|retry <id>|stats`. */
  usage: string;
  summary: string;
  /** Returns the exit code. `argv` is everything after the command name. */
  run(argv: string[], ctx: PluginCommandContext): Promise<number>;
}

/** One line of `mc-runtime doctor`. */
export interface DoctorCheck {
  /** Short, e.g. `backend reachable`. */
  name: string;
  ok: boolean;
  /** What was found (never a secret). */
  detail?: string;
  /** What to do about a failure. */
  fix?: string;
  /** A passing check that deserves attention (e.g. an unknown version); never fails doctor. */
  warning?: boolean;
}

export interface DoctorContext {
  /** The plugin's validated options (defaults and env applied). */
  options: Record<string, unknown>;
  /** Absolute runtime data dir. */
  dataDir: string;
  /** ACCOUNT_ID / runtime.accountId. */
  accountId: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted when doctor's per-plugin budget runs out. */
  signal: AbortSignal;
}

/** Checks a plugin runs for `mc-runtime doctor`: read-only, no side effects, works before the runtime ever started. */
export type DoctorFn = (ctx: DoctorContext) => Promise<DoctorCheck[]>;
