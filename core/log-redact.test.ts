/**
 * Known secret fields never reach a log line, through the real logger: every
 * place the runtime logs credentials by field, without changing the caller's
 * object, and without touching what is not a secret (errors keep their message
 * and stack for the err serializer).
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { LogCapture } from '../tests/support/test-kernel.ts';

function logged(fields: Record<string, unknown>): Record<string, unknown> {
  const capture = new LogCapture();
  createLogger({ destination: capture }).info(fields, 'line');
  return capture.lines()[0];
}

describe('log redaction by field', () => {
  it('censors secret keys at the top level and one level down', () => {
    const line = logged({ serviceToken: 'a', token: 'b', gatewayToken: 'c', runToken: 'd', authorization: 'e', call: { token: 'f', runToken: 'g', kept: 'visible' } });
    expect(line).toMatchObject({ serviceToken: '[Redacted]', token: '[Redacted]', gatewayToken: '[Redacted]', runToken: '[Redacted]', authorization: '[Redacted]' });
    expect(line.call).toEqual({ token: '[Redacted]', runToken: '[Redacted]', kept: 'visible' });
  });

  it('censors credential headers and the secret variables of config and env objects', () => {
    const line = logged({
      headers: { authorization: 'Bearer x', 'x-mc-run-token': 'y', accept: 'json' },
      req: { method: 'POST', headers: { Authorization: 'Bearer z', 'x-openclaw-session-key': 'k', host: 'h' } },
      config: { SERVICE_TOKEN: 's', OPENCLAW_GATEWAY_TOKEN: 'o', CONVEX_URL: 'https://x' },
      env: { SERVICE_TOKEN: 's', HOME: '/home' },
    });
    expect(line.headers).toEqual({ authorization: '[Redacted]', 'x-mc-run-token': '[Redacted]', accept: 'json' });
    expect(line.req).toEqual({ method: 'POST', headers: { Authorization: '[Redacted]', 'x-openclaw-session-key': '[Redacted]', host: 'h' } });
    expect(line.config).toEqual({ SERVICE_TOKEN: '[Redacted]', OPENCLAW_GATEWAY_TOKEN: '[Redacted]', CONVEX_URL: 'https://x' });
    expect(line.env).toEqual({ SERVICE_TOKEN: '[Redacted]', HOME: '/home' });
  });

  it("leaves the caller's objects as they were, and errors intact", () => {
    const fields = { call: { token: 'secret-value', n: 1 }, err: Object.assign(new Error('boom'), { code: 'E_X' }) };
    const line = logged(fields);
    expect(fields.call.token).toBe('secret-value');
    expect(line.call).toEqual({ token: '[Redacted]', n: 1 });
    expect(line.err).toMatchObject({ type: 'Error', message: 'boom', code: 'E_X' });
    expect(String((line.err as { stack: string }).stack)).toContain('boom');
  });
});
