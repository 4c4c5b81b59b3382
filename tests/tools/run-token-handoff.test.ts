/**
 * Run tokens never travel on a command line (issue 18). The instructions an agent
 * gets in HTTP mode are followed literally, the way OpenClaw's exec tool would:
 * the command is run by `sh -c` (in the agent's workspace, with the env the
 * instructions ask for) against the real HTTP server, with a `curl` shim on PATH
 * that records its argv before running the real curl. Neither the command given
 * to the shell nor curl's argv (what /proc/<pid>/cmdline shows to every process
 * on the host) may contain the token, and the call must work.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpServiceRef } from '../../core/services.ts';
import { capabilitiesFromDeliveryContext } from '../../core/tools/capabilities.ts';
import { buildInstructions } from '../../plugins/delivery/prompt/instructions.ts';
import { buildContext } from '../support/delivery-context.ts';
import { startToolsHarness, type ToolsHarness } from '../support/tools-harness.ts';
import { agentMessages, eventually, startHarness, type Harness } from '../delivery/harness.ts';

const CURL = ['/usr/bin/curl', '/bin/curl', '/usr/local/bin/curl'].find((p) => existsSync(p));

let h: ToolsHarness | undefined;
let d: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  await d?.close();
  d = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** A `curl` first on PATH that appends its argv to a log, then runs the real one. */
function curlShim(): { binDir: string; argvLog: string } {
  const binDir = tempDir('mc-curl-shim-');
  const argvLog = path.join(binDir, 'argv.log');
  writeFileSync(path.join(binDir, 'curl'), `#!/bin/sh\nprintf '%s\\n' "$0" "$@" >> '${argvLog}'\nexec '${CURL}' "$@"\n`);
  chmodSync(path.join(binDir, 'curl'), 0o755);
  return { binDir, argvLog };
}

/** The agent's instructions for one run of `engineer` on `taskId`, with the token's handoff. */
function instructionsFor(baseUrl: string, runToken: string): string {
  const ctx = buildContext();
  return buildInstructions({
    ctx,
    capabilities: capabilitiesFromDeliveryContext(ctx),
    capabilityLines: ['change task status: POST /agent/task-status'],
    mode: 'http',
    http: { baseUrl, runToken, handoff: h!.tokens.handoff(runToken) },
    silentToken: 'NOTHING_TO_ADD',
    mayDecline: false,
  });
}

/** Follows the instructions: the command (and exec env, if any) they give, filled in for one tool call. */
function commandFrom(text: string, tool: string, args: object): { command: string; env: Record<string, string> } {
  const line = text.split('\n').find((l) => l.startsWith('Call them with HTTP'))!;
  const command = line.slice(line.search(/printf '|curl -sS/));
  const envJson = /env (\{[^}]*\})/.exec(line)?.[1];
  return {
    command: command.replace('<tool-name-with-dashes>', tool).replace('<JSON arguments>', JSON.stringify(args)),
    env: envJson ? (JSON.parse(envJson) as Record<string, string>) : {},
  };
}

function shell(command: string, options: { cwd: string; env: Record<string, string> }): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', command], { cwd: options.cwd, env: options.env, timeout: 20_000 }, (err, stdout) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout });
    });
  });
}

describe.runIf(CURL !== undefined && process.platform !== 'win32')('run tokens never on a command line', () => {
  it('with a shared workspace: a 0600 header file, the token absent from the prompt and from every argv, revoked at run end', async () => {
    const root = tempDir('mc-workspaces-');
    for (const slug of ['engineer', 'qa']) mkdirSync(path.join(root, slug));
    h = await startToolsHarness({ agentHttp: { workspaceRoot: root } });
    const baseUrl = h.kernel.services.get(HttpServiceRef)!.baseUrl();
    const taskId = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
    const token = await h.token({ agent: 'engineer', taskId });

    const handoff = h.tokens.handoff(token);
    expect(handoff).toMatchObject({ kind: 'file', path: expect.stringMatching(/^\.mission-control\/run-[\w-]+\.header$/) });
    const file = path.join(root, 'engineer', (handoff as { path: string }).path);
    expect(readFileSync(file, 'utf8')).toBe(`Authorization: Bearer ${token}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(existsSync(path.join(root, 'qa', '.mission-control'))).toBe(false); // only the run's own agent

    const text = instructionsFor(baseUrl, token);
    expect(text).not.toContain(token);
    const { binDir, argvLog } = curlShim();
    const call = commandFrom(text, 'task-status', { status: 'review' });
    expect(call.env).toEqual({});
    const env = { PATH: `${binDir}:/usr/bin:/bin` };
    const done = await shell(call.command, { cwd: path.join(root, 'engineer'), env });
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ success: true });
    expect((await h.backend.loadTaskDetailsForAgentTool({ agentId: h.agents.engineer._id, taskId, messageLimit: 1 })).task.status).toBe('review');
    expect(call.command).not.toContain(token);
    expect(readFileSync(argvLog, 'utf8')).not.toContain(token);

    // Run end: the token is revoked and its file is gone; the same command is refused.
    h.tokens.revoke(token);
    expect(existsSync(file)).toBe(false);
    writeFileSync(file, `Authorization: Bearer ${token}\n`); // a copy the agent kept
    const after = await shell(call.command.replace('task-status', 'task-load'), { cwd: path.join(root, 'engineer'), env });
    expect(JSON.parse(after.stdout)).toMatchObject({ success: false, error: 'Run token revoked: this run is over' });
  });

  it('without a shared workspace: the token goes only into the exec env of the call, never into the command', async () => {
    h = await startToolsHarness();
    const baseUrl = h.kernel.services.get(HttpServiceRef)!.baseUrl();
    const taskId = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
    const token = await h.token({ agent: 'engineer', taskId });
    expect(h.tokens.handoff(token)).toEqual({ kind: 'env', variable: 'MC_RUN_TOKEN', token });

    const text = instructionsFor(baseUrl, token);
    const { binDir, argvLog } = curlShim();
    const call = commandFrom(text, 'task-status', { status: 'review' });
    expect(call.env).toEqual({ MC_RUN_TOKEN: token });
    expect(call.command).not.toContain(token);
    const done = await shell(call.command, { cwd: tempDir('mc-cwd-'), env: { PATH: `${binDir}:/usr/bin:/bin`, ...call.env } });
    expect(JSON.parse(done.stdout)).toMatchObject({ success: true });
    expect(readFileSync(argvLog, 'utf8')).not.toContain(token);
    // The token appears in the prompt only inside the env object.
    expect(text.split(token).length - 1).toBe(1);
  });

  it('end to end: a delivery run in HTTP mode; the agent follows its instructions with curl and its token file', async () => {
    const root = tempDir('mc-workspaces-');
    const workspace = path.join(root, 'engineer');
    mkdirSync(workspace);
    const { binDir, argvLog } = curlShim();
    let seen: { instructions: string; token: string; command: string } | undefined;
    d = await startHarness({
      delivery: { clientTools: false, runTimeoutMs: 20_000 },
      extraPlugins: [{ use: 'http', options: { port: 0 } }, { use: 'agent-http', options: { workspaceRoot: root } }],
    });
    // The "agent": reads its instructions, runs the command they give in its workspace, then replies.
    d.gateway.script('engineer', [
      async (req) => {
        const instructions = String(req.body.instructions);
        const call = commandFrom(instructions, 'task-status', { status: 'in_progress' });
        const headerFile = path.join(workspace, /-H @(\S+)/.exec(call.command)![1]);
        const token = readFileSync(headerFile, 'utf8').replace('Authorization: Bearer ', '').trim();
        const result = await shell(call.command, { cwd: workspace, env: { PATH: `${binDir}:/usr/bin:/bin`, ...call.env } });
        seen = { instructions, token, command: call.command };
        return { text: `Started. ${result.stdout}` };
      },
    ]);
    const taskId = d.createTask('Ship it', 'engineer');
    const reply = await eventually(async () => agentMessages(await d!.thread(taskId))[0], 45_000, 'the reply');

    expect(reply.content).toContain('"success":true');
    expect((await d.backend.loadTaskDetailsForAgentTool({ agentId: d.seed.agents.engineer, taskId, messageLimit: 1 })).task.status).toBe('in_progress');
    expect(seen!.token).toMatch(/^mcrt_/);
    expect(seen!.instructions).not.toContain(seen!.token);
    expect(seen!.command).not.toContain(seen!.token);
    expect(readFileSync(argvLog, 'utf8')).not.toContain(seen!.token);
    // Revoked at run end: the file is gone.
    await eventually(() => readdirSync(path.join(workspace, '.mission-control')).length === 0, 10_000, 'the token file to be deleted');
  }, 60_000);

  it('deletes the file of a token that expired, at the next issue', async () => {
    const root = tempDir('mc-workspaces-');
    mkdirSync(path.join(root, 'engineer'));
    h = await startToolsHarness({ agentHttp: { workspaceRoot: root } });
    const taskId = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
    const short = await h.token({ agent: 'engineer', taskId }, 1);
    const shortFile = path.join(root, 'engineer', (h.tokens.handoff(short) as { path: string }).path);
    expect(existsSync(shortFile)).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    expect(h.tokens.verify(short)).toMatchObject({ ok: false, reason: 'expired' });
    const next = await h.token({ agent: 'engineer', taskId });
    expect(existsSync(shortFile)).toBe(false);
    expect(readdirSync(path.join(root, 'engineer', '.mission-control'))).toEqual([path.basename((h.tokens.handoff(next) as { path: string }).path)]);
  });

  it('never writes through a link an agent planted, and sweeps files of an earlier process at start', async () => {
    const root = tempDir('mc-workspaces-');
    const elsewhere = tempDir('mc-elsewhere-');
    mkdirSync(path.join(root, 'engineer'));
    symlinkSync(elsewhere, path.join(root, 'engineer', '.mission-control'));
    mkdirSync(path.join(root, 'qa', '.mission-control'), { recursive: true });
    const stale = path.join(root, 'qa', '.mission-control', 'run-old.header');
    writeFileSync(stale, 'Authorization: Bearer mcrt_dead\n');
    const unrelated = path.join(root, 'qa', '.mission-control', 'notes.txt');
    writeFileSync(unrelated, 'keep me');

    h = await startToolsHarness({ agentHttp: { workspaceRoot: root } });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(unrelated)).toBe(true);
    const taskId = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
    const token = await h.token({ agent: 'engineer', taskId });
    expect(h.tokens.handoff(token)).toMatchObject({ kind: 'env' });
    expect(readFileSync(path.join(root, 'qa', '.mission-control', 'notes.txt'), 'utf8')).toBe('keep me');
    expect(statSync(elsewhere).isDirectory()).toBe(true);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});
