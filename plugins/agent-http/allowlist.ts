/**
 * Who may call the agent endpoints: loopback always, plus explicitly listed
 * networks (e.g. the Compose network the gateway container lives on). The
 * original runtime accepted all of RFC 1918 (§15.2); here nothing beyond
 * loopback is trusted unless configured.
 */
import { BlockList } from 'node:net';

const LOOPBACK = ['127.0.0.0/8', '::1/128'];

export interface CallerAllowlist {
  isAllowed(address: string | undefined): boolean;
  /** The configured entries (for /health). */
  readonly entries: readonly string[];
}

/** "10.0.0.0/8, fd00::/8" or a list; single addresses mean /32 or /128. */
export function parseCidrList(value: string | readonly string[]): string[] {
  const items = typeof value === 'string' ? value.split(',') : [...value];
  return items.map((s) => s.trim()).filter(Boolean);
}

// The family by shape; BlockList itself validates the address (ERR_INVALID_ADDRESS). Not net.isIP:
// its first IPv6 test compiles a large regular expression (~14 ms of start-up).
const familyOf = (address: string) => (address.includes(':') ? 'ipv6' : 'ipv4');

/** Builds the allowlist; throws naming the first entry that is not an address or CIDR. */
export function createAllowlist(extra: readonly string[]): CallerAllowlist {
  const list = new BlockList();
  const entries = [...LOOPBACK, ...extra];
  for (const entry of entries) {
    const [address, prefixText, ...rest] = entry.split('/');
    const family = familyOf(address);
    const max = family === 'ipv4' ? 32 : 128;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    const invalid = () => new Error(`allowedCidrs: "${entry}" is not an IP address or CIDR (e.g. 172.18.0.0/16)`);
    if (rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) throw invalid();
    try {
      list.addSubnet(address, prefix, family);
    } catch {
      throw invalid();
    }
  }
  return {
    entries: extra,
    isAllowed(raw) {
      if (!raw) return false;
      // IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d.
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw);
      const address = mapped ? mapped[1] : raw;
      try {
        return list.check(address, familyOf(address));
      } catch {
        return false; // not an address
      }
    },
  };
}
