/**
 * Optional OpenClaw version detection by running a command (e.g. `openclaw
 * --version` where the CLI is installed beside the runtime). Bounded by a
 * timeout and never throws: the original ran it synchronously without one.
 */
// child_process is taken when first used (process.getBuiltinModule), not imported: the bundle loads
// every statically imported built-in at start, and it is ~7 ms that most runtimes never use.
import type childProcess from 'node:child_process';

/** Calendar versions (OpenClaw: 2026.9.6) or semver, optionally after a `v`, not inside a longer token. */
const VERSION = /(?:^|[^0-9A-Za-z.])v?(\d{4}\.\d{1,2}\.\d{1,3}(?:[-.][0-9A-Za-z.]+)?|\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)(?![0-9A-Za-z])/;

/** The first version-looking token of the command's stdout, or undefined. */
export function parseVersion(output: string): string | undefined {
  return VERSION.exec(output)?.[1];
}

export function detectVersion(command: string[], timeoutMs: number): Promise<{ version?: string; error?: string }> {
  const [file, ...args] = command;
  return new Promise((resolve) => {
    (process.getBuiltinModule('node:child_process') as typeof childProcess).execFile(file, args, { timeout: timeoutMs, windowsHide: true, maxBuffer: 64 * 1024 }, (err, stdout) => {
      if (err) {
        resolve({ error: (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${file} not found` : err.killed ? `timed out after ${timeoutMs} ms` : err.message.split('\n')[0] });
        return;
      }
      const version = parseVersion(String(stdout));
      resolve(version ? { version } : { error: `no version in the output of ${file}` });
    });
  });
}
