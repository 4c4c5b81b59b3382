/** Minimal argument parsing: positionals plus `--name value` / `--flag` options. */
export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | true>;
}

export function parseArgs(argv: string[], flags: ReadonlySet<string> = new Set()): ParsedArgs {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) options[arg.slice(2, eq)] = arg.slice(eq + 1);
      else if (flags.has(arg.slice(2)) || i + 1 >= argv.length || argv[i + 1].startsWith('--')) options[arg.slice(2)] = true;
      else options[arg.slice(2)] = argv[++i];
    } else positionals.push(arg);
  }
  return { positionals, options };
}
