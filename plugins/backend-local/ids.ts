/**
 * Opaque ids: a short table prefix plus 16 random base32 characters (80 bits).
 * No underscore, because a service token embeds the account id between
 * underscores (`mc_service_{accountId}_{secret}`). Nothing may parse these.
 */
import { nodeCrypto } from '../../core/lazy-crypto.ts';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'acct' | 'user' | 'agent' | 'skill' | 'task' | 'msg' | 'ntf' | 'doc' | 'act' | 'sess';

export function newId(prefix: IdPrefix): string {
  const bytes = nodeCrypto().randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = prefix;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}
