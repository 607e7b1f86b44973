/**
 * Who a request comes from when a load balancer stands in front. Behind nginx
 * every connection comes from nginx, so the limits per address (failed key
 * attempts, connections) would lump every client together: one guesser would
 * lock everyone out. For a peer inside `--trust-proxy`, the client is the last
 * address in X-Forwarded-For that is not itself a trusted proxy (the addresses
 * before it are whatever the client wrote), else X-Real-IP, else the peer. A
 * peer outside those ranges is the client whatever it sends, so the headers
 * cannot be forged from outside.
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

/** The client's address: the peer's, or what a trusted proxy says it forwarded for. */
export function clientAddress(req: IncomingMessage, trusted: readonly Cidr[]): string {
  const peer = req.socket.remoteAddress ?? '';
  if (!isTrusted(peer, trusted)) return peer;
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map(bare)
    .filter((address) => isIP(address) !== 0);
  for (let i = forwarded.length - 1; i >= 0; i--) {
    if (!isTrusted(forwarded[i], trusted)) return forwarded[i]!;
  }
  const real = bare(String(req.headers['x-real-ip'] ?? ''));
  return isIP(real) !== 0 ? real : peer;
}
