import { BlockList, isIP } from 'node:net';

/** Answers whether a client address is inside one of the allowed CIDR ranges. */
export type IpAllowList = (address: string | undefined) => boolean;

/** Parses `a.b.c.d`, `a.b.c.d/nn`, `v6::addr` or `v6::/nn`; returns null when malformed. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const version = isIP(address);
  if (version === 0) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  return prefix <= max ? { address, prefix, family } : null;
}

/** `::ffff:1.2.3.4` (how Node reports IPv4 clients on a dual-stack socket) is the IPv4 address. */
function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped?.[1] ?? address;
  const version = isIP(plain);
  if (version === 0) return null;
  return { address: plain, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Builds the matcher once; the CIDRs were validated by the config. */
export function createIpAllowList(cidrs: readonly string[]): IpAllowList {
  const list = new BlockList();
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`invalid CIDR: ${text}`);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return (address) => {
    if (!address) return false;
    const client = normalise(address);
    return client !== null && list.check(client.address, client.family);
  };
}
