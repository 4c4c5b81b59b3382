/**
 * Readiness checks and status contributions. The kernel owns the registry; the
 * health plugin serves it. A check answers "can this runtime do its job now?".
 */
export interface CheckResult {
  ok: boolean;
  /** Short human reason; never secrets or raw upstream bodies. */
  detail?: string;
  /**
   * True while the dependency has not been probed yet (`ok` is then false): not
   * ready, but not known to be down either (`/health` shows it as `unknown`).
   */
  pending?: boolean;
}

export interface CheckOptions {
  /** Critical checks gate /readyz; others only show in /health. Default true. */
  critical?: boolean;
}

export type CheckFn = () => CheckResult | Promise<CheckResult>;
export type StatusFn = () => Record<string, unknown>;

export interface HealthApi {
  /** Register a readiness check named `<plugin>.<name>`. */
  check(name: string, fn: CheckFn, options?: CheckOptions): void;
  /** Contribute a status object shown under this plugin in /health. */
  status(fn: StatusFn): void;
}

export interface RegisteredCheck {
  name: string;
  plugin: string;
  critical: boolean;
  fn: CheckFn;
}

export interface CheckReport extends CheckResult {
  name: string;
  plugin: string;
  critical: boolean;
}

export class HealthRegistry {
  readonly #checks = new Map<string, RegisteredCheck>();
  readonly #status = new Map<string, StatusFn>();

  forPlugin(plugin: string): HealthApi {
    return {
      check: (name, fn, options = {}) => {
        const full = `${plugin}.${name}`;
        if (this.#checks.has(full)) throw new Error(`health check "${full}" registered twice`);
        this.#checks.set(full, { name: full, plugin, critical: options.critical ?? true, fn });
      },
      status: (fn) => {
        this.#status.set(plugin, fn);
      },
    };
  }

  removePlugin(plugin: string): void {
    for (const [name, check] of this.#checks) if (check.plugin === plugin) this.#checks.delete(name);
    this.#status.delete(plugin);
  }

  /** Runs every check with a per-check timeout; a throwing check reports not ok. */
  async runChecks(timeoutMs = 2000): Promise<CheckReport[]> {
    const checks = [...this.#checks.values()];
    return Promise.all(
      checks.map(async (c): Promise<CheckReport> => {
        let timer: NodeJS.Timeout | undefined;
        try {
          const timeout = new Promise<CheckResult>((resolve) => {
            timer = setTimeout(() => resolve({ ok: false, detail: `check timed out after ${timeoutMs} ms` }), timeoutMs);
          });
          const result = await Promise.race([Promise.resolve().then(c.fn), timeout]);
          return { name: c.name, plugin: c.plugin, critical: c.critical, ok: result.ok, detail: result.detail, ...(result.pending && !result.ok ? { pending: true } : {}) };
        } catch (err) {
          return { name: c.name, plugin: c.plugin, critical: c.critical, ok: false, detail: `check failed: ${(err as Error).message}` };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }

  statuses(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [plugin, fn] of this.#status) {
      try {
        out[plugin] = fn();
      } catch (err) {
        out[plugin] = { error: `status failed: ${(err as Error).message}` };
      }
    }
    return out;
  }
}
