/**
 * Service-token auth, as the hosted backend does it (original-runtime.md §2.1):
 * token `mc_service_{accountId}_{secret}`, the account stores sha256hex(secret),
 * comparison in constant time. The checks run in the documented order so each
 * failure is the same one the hosted backend reports.
 */
import { nodeCrypto } from '../../core/lazy-crypto.ts';
import type { Db } from './db.ts';
import { unauthorized } from './errors.ts';

const PREFIX = 'mc_service_';
const MAX_TOKEN_LENGTH = 512;

export function hashSecret(secret: string): string {
  return nodeCrypto().createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A fresh token for `accountId` and the hash to store. The plaintext is shown once. */
export function generateServiceToken(accountId: string): { token: string; hash: string } {
  const secret = nodeCrypto().randomBytes(32).toString('hex');
  return { token: `${PREFIX}${accountId}_${secret}`, hash: hashSecret(secret) };
}

/** Splits a token into account id and secret, or says which rule it breaks. */
export function parseServiceToken(token: string): { accountId: string; secret: string } | { error: 'length' | 'format' | 'structure' } {
  if (token.length > MAX_TOKEN_LENGTH) return { error: 'length' };
  if (!token.startsWith(PREFIX)) return { error: 'format' };
  const parts = token.split('_');
  if (parts.length < 4 || !parts[2] || !parts.slice(3).join('_')) return { error: 'structure' };
  return { accountId: parts[2], secret: parts.slice(3).join('_') };
}

/**
 * Authenticates `token` and returns the account it belongs to. The caller then
 * checks that account against the `accountId` argument (account scoping).
 */
export function requireServiceAuth(db: Db, token: string): { accountId: string } {
  const parsed = parseServiceToken(token);
  if ('error' in parsed) {
    if (parsed.error === 'format') throw unauthorized('Invalid service token format');
    if (parsed.error === 'structure') throw unauthorized('Invalid service token structure');
    throw unauthorized('Invalid service token');
  }
  const account = db.get<{ service_token_hash: string | null }>('SELECT service_token_hash FROM accounts WHERE id = $id', {
    id: parsed.accountId,
  });
  // Every credential failure carries code `unauthorized` (the runtime treats them
  // alike: fix the token), with the hosted backend's message for humans.
  if (!account) throw unauthorized('Not found: Account does not exist');
  if (!account.service_token_hash) throw unauthorized('Forbidden: Account has no service token configured');
  const expected = Buffer.from(account.service_token_hash, 'utf8');
  const actual = Buffer.from(hashSecret(parsed.secret), 'utf8');
  // Both are 64 hex characters, so the length check leaks nothing about the secret.
  if (expected.length !== actual.length || !nodeCrypto().timingSafeEqual(expected, actual)) throw unauthorized('Invalid service token');
  return { accountId: parsed.accountId };
}
