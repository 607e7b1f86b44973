/**
 * Which addresses an `image_url` download may connect to: public unicast only.
 * Loopback, private, carrier-grade NAT, link-local (cloud metadata at
 * 169.254.169.254), unique-local, multicast, documentation and reserved ranges
 * are refused, and IPv6 forms that carry an IPv4 address (mapped, compatible,
 * NAT64, 6to4) are refused or judged by the IPv4 inside. IPv6 outside 2000::/3
 * (global unicast) is refused whatever it is.
 *
 * Addresses come here as DNS answers or as URL hostnames, which the WHATWG URL
 * parser has already made canonical (2130706433, 0177.0.0.1 and 0x7f000001 all
 * become 127.0.0.1), so only canonical text needs parsing.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** An address range: 4 or 16 bytes and a prefix length. */
export interface Cidr {
  bytes: Uint8Array;
  prefix: number;
  text: string;
}

export type Verdict = { allowed: true } | { allowed: false; reason: string };

export function parseIPv4(text: string): Uint8Array | null {
  if (!isIPv4(text)) return null;
  return Uint8Array.from(text.split('.').map(Number));
}

export function parseIPv6(text: string): Uint8Array | null {
  const address = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(address)) return null;
  let head = address;
  const tailBytes: number[] = [];
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    tailBytes.push(...parseIPv4(dotted[1]!)!);
    head = address.slice(0, dotted.index + 1) + '0:0'; // placeholder groups, overwritten below
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').filter((g) => g !== '') : []);
  const l = groups(left);
  const r = groups(right);
  const all = right === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  if (tailBytes.length) bytes.set(tailBytes, 12);
  return bytes;
}

/** "10.0.0.0/8", "::1/128", or a bare address (a single-address range). */
export function parseCidr(text: string): Cidr | null {
  const [address = '', prefixText] = text.trim().split('/');
  const bytes = parseIPv4(address) ?? parseIPv6(address);
  if (!bytes) return null;
  const max = bytes.length * 8;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) return null;
  return { bytes, prefix, text: `${address}/${prefix}` };
}

export function inCidr(address: Uint8Array, cidr: Cidr): boolean {
  if (address.length !== cidr.bytes.length) return false;
  for (let bit = 0; bit < cidr.prefix; bit += 8) {
    const bits = Math.min(8, cidr.prefix - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    if ((address[bit / 8]! & mask) !== (cidr.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

const ranges = (table: [string, string][]) => table.map(([text, reason]) => ({ cidr: parseCidr(text)!, reason }));

const IPV4_REFUSED = ranges([
  ['0.0.0.0/8', 'a "this network" address'],
  ['10.0.0.0/8', 'a private address'],
  ['100.64.0.0/10', 'a carrier-grade NAT address'],
  ['127.0.0.0/8', 'a loopback address'],
  ['169.254.0.0/16', 'a link-local address (where cloud metadata services live)'],
  ['172.16.0.0/12', 'a private address'],
  ['192.0.0.0/24', 'an IETF protocol address'],
  ['192.0.2.0/24', 'a documentation address'],
  ['192.88.99.0/24', 'a 6to4 relay address'],
  ['192.168.0.0/16', 'a private address'],
  ['198.18.0.0/15', 'a benchmarking address'],
  ['198.51.100.0/24', 'a documentation address'],
  ['203.0.113.0/24', 'a documentation address'],
  ['224.0.0.0/4', 'a multicast address'],
  ['240.0.0.0/4', 'a reserved or broadcast address'],
]);

/** IPv6 ranges that embed an IPv4 address in their last 32 bits. */
const IPV6_EMBEDDING = ranges([
  ['::ffff:0:0/96', 'an IPv4-mapped IPv6 address'],
  ['::ffff:0:0:0/96', 'an IPv4-translated IPv6 address'],
]);

const IPV6_REFUSED = ranges([
  ['::/128', 'the unspecified address'],
  ['::1/128', 'a loopback address'],
  ['::/96', 'an IPv4-compatible IPv6 address'],
  ['64:ff9b::/96', 'a NAT64 address'],
  ['64:ff9b:1::/48', 'a NAT64 address'],
  ['100::/64', 'a discard-only address'],
  ['fe80::/10', 'a link-local address'],
  ['fec0::/10', 'a site-local address'],
  ['fc00::/7', 'a unique-local (private) address'],
  ['ff00::/8', 'a multicast address'],
  ['2001::/23', 'an IETF protocol address (Teredo and others)'],
  ['2001:db8::/32', 'a documentation address'],
  ['2002::/16', 'a 6to4 address'],
  ['3fff::/20', 'a documentation address'],
]);
const GLOBAL_UNICAST = parseCidr('2000::/3')!;

function judgeIPv4(bytes: Uint8Array, exempt: Cidr[]): Verdict {
  if (exempt.some((c) => inCidr(bytes, c))) return { allowed: true };
  const hit = IPV4_REFUSED.find((r) => inCidr(bytes, r.cidr));
  return hit ? { allowed: false, reason: hit.reason } : { allowed: true };
}

/**
 * Whether the gateway may connect to `address` (canonical IPv4 or IPv6 text).
 * `exempt` ranges (the test-only --allow-private-urls) are allowed first.
 */
export function judgeAddress(address: string, exempt: Cidr[] = []): Verdict {
  const v4 = parseIPv4(address);
  if (v4) return judgeIPv4(v4, exempt);
  const v6 = parseIPv6(address);
  if (!v6) return { allowed: false, reason: 'not an IP address' };
  if (exempt.some((c) => inCidr(v6, c))) return { allowed: true };
  const embedding = IPV6_EMBEDDING.find((r) => inCidr(v6, r.cidr));
  if (embedding) {
    const inner = judgeIPv4(v6.subarray(12), exempt);
    return inner.allowed ? inner : { allowed: false, reason: `${embedding.reason} of ${inner.reason}` };
  }
  const hit = IPV6_REFUSED.find((r) => inCidr(v6, r.cidr));
  if (hit) return { allowed: false, reason: hit.reason };
  if (!inCidr(v6, GLOBAL_UNICAST)) return { allowed: false, reason: 'a reserved IPv6 address (outside 2000::/3)' };
  return { allowed: true };
}
