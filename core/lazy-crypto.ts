/**
 * node:crypto on first use. Loading it costs ~8 ms of start-up (its module and the internals it
 * pulls in), and nothing the runtime does before it answers `/livez` needs it: run tokens, tool
 * ledgers and roster hashes come later. An `import … from 'node:crypto'` would load it with the
 * program, since the bundle resolves every import of a built-in when it loads (docs/performance.md).
 */
import type * as NodeCrypto from 'node:crypto';

let loaded: typeof NodeCrypto | undefined;

export function nodeCrypto(): typeof NodeCrypto {
  return (loaded ??= process.getBuiltinModule('node:crypto') as typeof NodeCrypto);
}
