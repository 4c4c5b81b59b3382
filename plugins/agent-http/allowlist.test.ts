import { describe, expect, it } from 'vitest';
import { createAllowlist, parseCidrList } from './allowlist.ts';

describe('caller allowlist', () => {
  it('allows loopback only by default, in every spelling', () => {
    const list = createAllowlist([]);
    for (const ip of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(list.isAllowed(ip), ip).toBe(true);
    // RFC 1918, ULA, link-local and public addresses are not trusted (the original accepted RFC 1918).
    for (const ip of ['10.0.0.5', '172.18.0.3', '192.168.1.2', '::ffff:10.0.0.5', 'fd00::1', 'fe80::1', '8.8.8.8', undefined, '', 'localhost']) {
      expect(list.isAllowed(ip), String(ip)).toBe(false);
    }
  });

  it('adds configured networks and single addresses', () => {
    const list = createAllowlist(parseCidrList('172.18.0.0/16, 10.1.2.3 ,fd00::/8'));
    expect(list.isAllowed('172.18.200.1')).toBe(true);
    expect(list.isAllowed('::ffff:172.18.0.9')).toBe(true);
    expect(list.isAllowed('172.19.0.1')).toBe(false);
    expect(list.isAllowed('10.1.2.3')).toBe(true);
    expect(list.isAllowed('10.1.2.4')).toBe(false);
    expect(list.isAllowed('fd12::7')).toBe(true);
    expect(list.entries).toEqual(['172.18.0.0/16', '10.1.2.3', 'fd00::/8']);
  });

  it('refuses entries that are not addresses or CIDRs, naming them', () => {
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '10.0.0.0/x', '::1/129', '10.0.0.0/']) {
      expect(() => createAllowlist([bad]), bad).toThrow(`allowedCidrs: "${bad}" is not an IP address or CIDR`);
    }
    expect(parseCidrList(['a', ' ', 'b '])).toEqual(['a', 'b']);
    expect(parseCidrList('')).toEqual([]);
  });
});
