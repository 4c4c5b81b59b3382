#!/usr/bin/env node
// Entry point of the `mc-runtime` command. Plain JavaScript so that an older
// Node prints a clear message instead of a syntax error; the runtime itself is
// TypeScript run by Node 24's type stripping.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 16)) {
  console.error(
    `mc-runtime needs Node.js >= 24.16 (this is ${process.version}). ` +
      'Run it through npm (`npm start`, `npm run mc-runtime -- <command>`), which uses the Node 24 installed by `npm ci`.',
  );
  process.exit(1);
}
const { main } = await import('../core/cli/main.ts');
// Exit explicitly: open sockets or timers of a plugin that failed to stop must not keep the
// process alive after shutdown (or after a second signal). pino flushes on exit.
process.exit(await main(process.argv.slice(2)));
