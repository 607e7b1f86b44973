/**
 * Who a request comes from when a load balancer stands in front. Behind nginx
 * every connection comes from nginx, so the limits per address (failed key
 * attempts, connections) would lump every client together: one guesser would
 * lock everyone out. The operator names the proxies (`--trust-proxy`), the one
 * header they set (`--proxy-header`) and, for X-Forwarded-For, how many of them
 * append to it (`--proxy-hops`), as Express's `trust proxy` and nginx's
 * `real_ip_header` are told. For a peer inside those ranges the client is
 * X-Real-IP, or the X-Forwarded-For entry `hops` from its end (what the proxy
 * nearest the client appended); the entries before it are whatever the client
 * wrote, and any other header is ignored. A peer outside those ranges is the
 * client whatever it sends, so the headers cannot be forged from outside.
 */
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { type Cidr, inCidr, parseIPv4, parseIPv6 } from './ip-policy.js';

const bare = (address: string) => address.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/** Whether `address` lies in one of `ranges`. */
export function isTrusted(address: string | undefined, ranges: readonly Cidr[]): boolean {
  if (!address || ranges.length === 0) return false;
  const text = bare(address);
  const bytes = parseIPv4(text) ?? parseIPv6(text);
  return bytes !== null && ranges.some((range) => inCidr(bytes, range));
}

export interface ProxyTrust {
  trustProxy: readonly Cidr[];
  proxyHeader: 'x-forwarded-for' | 'x-real-ip' | null;
  proxyHops: number;
}

/** The client's address: the peer's, or what a trusted proxy says in the header the operator named. */
export function clientAddress(req: IncomingMessage, { trustProxy, proxyHeader, proxyHops }: ProxyTrust): string {
  const peer = req.socket.remoteAddress ?? '';
  if (!proxyHeader || !isTrusted(peer, trustProxy)) return peer;
  const value = req.headers[proxyHeader];
  // Node joins a repeated header into one value with ", " (req.headers never holds an array for these two), so a
  // second X-Real-IP, perhaps the client's own, makes two entries and neither is believed (below); this is a guard.
  if (Array.isArray(value)) return peer;
  const entries = String(value ?? '').split(',').map(bare);
  if (proxyHeader === 'x-real-ip') return entries.length === 1 && isIP(entries[0]!) !== 0 ? entries[0]! : peer;
  // Fewer entries than proxies: the chain is not what the operator described, so the peer is all that is known.
  const client = entries.length >= proxyHops ? entries[entries.length - proxyHops]! : '';
  return isIP(client) !== 0 ? client : peer;
}
