/**
 * `npm run bench:floor [-- exchanges]`: what one loopback HTTP exchange costs a client that
 * does nothing else — one keep-alive socket, one prebuilt request buffer, a content-length scan of
 * the answer — against a node:http server in another process (as the bench's wire server is).
 * Prints the client's CPU per exchange (user+sys, all threads). A notification takes ~6 exchanges
 * (5.03 backend calls + 1 gateway turn), so six times this is the part of the runtime's CPU per
 * notification that no HTTP client can remove on this machine (docs/performance.md).
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';

const ANSWER = JSON.stringify({ status: 'success', value: { ok: true, pad: 'x'.repeat(1500) } });

function serve(): void {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) }).end(ANSWER));
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as AddressInfo).port));
}

async function measure(exchanges: number): Promise<void> {
  const child = fork(import.meta.filename, ['--serve']);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve(m as number));
      child.once('exit', (code) => reject(new Error(`the server exited before listening (code ${code})`)));
    });
    await exchangeOver(port, exchanges);
  } finally {
    child.kill();
  }
}

async function exchangeOver(port: number, exchanges: number): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const body = Buffer.from(JSON.stringify({ path: 'service/actions:probe', format: 'convex_encoded_json', args: [{ a: 1, b: 'y'.repeat(300) }] }));
  const head = `POST /api/action HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
  const request = Buffer.concat([Buffer.from(head), body]);
  let pending = '';
  let answered: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    const end = pending.indexOf('\r\n\r\n');
    if (end < 0) return;
    const length = Number(/content-length: (\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
    if (pending.length < end + 4 + length) return;
    pending = pending.slice(end + 4 + length);
    answered?.();
  });
  const exchange = () => new Promise<void>((resolve) => ((answered = resolve), socket.write(request)));
  for (let i = 0; i < 300; i++) await exchange(); // warm the JIT
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < exchanges; i++) {
    await exchange();
    // Let the loop go idle now and then, as the runtime's does between a notification's calls.
    if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const cpu = process.cpuUsage(cpu0);
  const us = (v: number) => (v / exchanges).toFixed(1);
  console.log(`one loopback HTTP exchange, bare client: ${us(cpu.user + cpu.system)} µs CPU (user ${us(cpu.user)}, sys ${us(cpu.system)}) over ${exchanges}`);
  socket.destroy();
}

if (process.argv.includes('--serve')) serve();
else await measure(Number(process.argv[2] ?? 3000));
