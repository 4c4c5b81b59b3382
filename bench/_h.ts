import { createWorld } from './lib/world.ts';
import { startRuntime, firstOk } from './lib/runtime-process.ts';
const n = Number(process.argv[2] ?? 3000);
const world = await createWorld({ agents: 20, delayMs: () => 0 });
world.assign(Array.from({ length: Math.ceil(n / 20) }, () => world.slugs).flat());
const port = 39600;
const rt = startRuntime(world.env({ HEALTH_PORT: String(port), HEARTBEAT_ENABLED: 'false', DELIVERY_LIST_LIMIT: '100' }), 'compiled', [...(process.env.X_ARGS ?? '').split(' ').filter(Boolean), '--require', '/tmp/mem3.cjs']);
await firstOk(`http://127.0.0.1:${port}/livez`, rt.startedAt);
let last = '';
while (world.undeliveredAssignments() > 0 || world.undelivered() > 0) { await new Promise((r) => setTimeout(r, 3000)); const m = rt.tail().split('\n').filter(l=>l.startsWith('MEM')).at(-1); if (m !== last) console.log(world.delivered(), m); last = m ?? ''; }
process.exit(0);
