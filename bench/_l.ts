import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import path from 'node:path';
const out: number[] = [];
for (let i = 0; i < 7; i++) {
  const dir = mkdtempSync(path.join(tmpdir(), 'lz-'));
  const port = 39300 + i;
  const t0 = performance.now();
  const c = spawn(process.execPath, ['bin/mc-runtime.js', 'start'], { env: { PATH: process.env.PATH, RUNTIME_DATA_DIR: dir, HEALTH_PORT: String(port) }, stdio: 'ignore' });
  for (;;) { try { const r = await fetch(`http://127.0.0.1:${port}/livez`); if (r.ok) break; } catch {} await new Promise(r => setTimeout(r, 3)); }
  out.push(Math.round(performance.now() - t0));
  c.kill(); await new Promise(r => c.on('close', r));
}
out.sort((a, b) => a - b); console.log('livez ms median', out[3], out.join(' '));
