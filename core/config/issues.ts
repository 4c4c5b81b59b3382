/**
 * Config problems are collected, never thrown one at a time, so an operator sees
 * every mistake at once as `<source>:<path> (<plugin id>): <message>`.
 */
export interface ConfigIssue {
  /** File (relative to the working directory) or `env:NAME`. */
  source: string;
  /** JSON pointer inside the source, e.g. `/plugins/2/options/intervalMs`; empty for the whole source. */
  path: string;
  /** Plugin id, `runtime`, or `config` for the file's own structure. */
  plugin: string;
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path ? `${issue.source}:${issue.path}` : issue.source;
  return `${where} (${issue.plugin}): ${issue.message}`;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(
      `invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  ${formatIssue(i)}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** JSON pointer escaping (RFC 6901). */
export function pointer(...segments: Array<string | number>): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** Short rendering of a bad value for messages; never prints long strings in full. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
