import { describe, expect, it } from 'vitest';
import { ConvexConfigError, normalizeEnvValue, validateConvexSettings } from './validate.ts';

const SECRET = 'f'.repeat(64);
const good = { accountId: 'acct1', url: 'https://happy-animal-123.convex.cloud', serviceToken: `mc_service_acct1_${SECRET}` };

function problems(input: Partial<typeof good>): string[] {
  try {
    validateConvexSettings(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConvexConfigError);
    return (err as ConvexConfigError).problems;
  }
  return [];
}

describe('Convex settings validation (ACCOUNT_ID, CONVEX_URL, SERVICE_TOKEN)', () => {
  it('accepts good settings, normalising quotes, whitespace and a trailing slash', () => {
    expect(validateConvexSettings({ ...good, url: ` "${good.url}/" `, accountId: "'acct1'" })).toEqual(good);
    expect(validateConvexSettings({ ...good, url: 'http://127.0.0.1:3210' }).url).toBe('http://127.0.0.1:3210');
    expect(normalizeEnvValue('  ')).toBeUndefined();
  });

  it('names every missing variable', () => {
    expect(problems({})).toEqual(['Missing required environment variables: ACCOUNT_ID, CONVEX_URL, SERVICE_TOKEN']);
    expect(problems({ ...good, accountId: ' ' })).toEqual(['Missing required environment variables: ACCOUNT_ID']);
  });

  it('rejects bad URLs', () => {
    expect(problems({ ...good, url: 'not a url' })[0]).toMatch(/^Invalid CONVEX_URL/);
    expect(problems({ ...good, url: 'ftp://x.convex.cloud' })[0]).toMatch(/^Invalid CONVEX_URL. Only http and https/);
    expect(problems({ ...good, url: 'https://happy-animal-123.convex.site' })[0]).toMatch(/\.convex\.site/);
  });

  it('checks the token format, structure and account, without echoing the secret', () => {
    expect(problems({ ...good, serviceToken: 'abc' })).toEqual(['Invalid SERVICE_TOKEN format. Expected a token starting with mc_service_.']);
    expect(problems({ ...good, serviceToken: 'mc_service_acct1' })).toEqual([
      'Invalid SERVICE_TOKEN structure. Expected mc_service_{accountId}_{secret}.',
    ]);
    const mismatch = problems({ ...good, serviceToken: `mc_service_acct2_${SECRET}` });
    expect(mismatch).toEqual(['SERVICE_TOKEN account mismatch. Token is for acct2, but ACCOUNT_ID is acct1.']);
    expect(mismatch.join()).not.toContain(SECRET);
  });

  it('reports URL and token problems together', () => {
    expect(problems({ ...good, url: 'nope', serviceToken: 'nope' })).toHaveLength(2);
  });
});
