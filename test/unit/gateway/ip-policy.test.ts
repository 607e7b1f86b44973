/**
 * The image_url address policy on its own: every refused range, the IPv6 forms
 * that carry an IPv4 address, the spellings the URL parser makes canonical, and
 * the test-only exemption.
 */
import { describe, expect, it } from 'vitest';
import { judgeAddress, parseCidr, parseIPv6 } from '../../../gateway/ip-policy.js';

const refused = (address: string) => judgeAddress(address);

describe('judgeAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'this network'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped IPv6 address of a loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped IPv6 address of a loopback'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'IPv4-mapped IPv6 address of a link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['64:ff9b::7f00:1', 'NAT64'],
    ['2002:7f00:1::1', '6to4'],
    ['2001:0:4136:e378::1', 'Teredo'],
    ['2001:db8::1', 'documentation'],
    ['fec0::1', 'site-local'],
    ['4000::1', 'outside 2000::/3'],
  ])('refuses %s (%s)', (address, reason) => {
    const verdict = refused(address);
    expect(verdict.allowed).toBe(false);
    expect(verdict.allowed === false && verdict.reason).toContain(reason);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(judgeAddress(address)).toEqual({ allowed: true });
  });

  it('sees the canonical form of decimal, octal, hex and short IPv4 spellings, as the URL parser gives them', () => {
    for (const host of ['2130706433', '0177.0.0.1', '0x7f000001', '0x7f.0.0.1', '127.1', '017700000001']) {
      const hostname = new URL(`http://${host}/`).hostname;
      expect(hostname, host).toBe('127.0.0.1');
      expect(judgeAddress(hostname).allowed, host).toBe(false);
    }
    expect(new URL('http://[::ffff:127.0.0.1]/').hostname).toBe('[::ffff:7f00:1]');
    expect(judgeAddress('[::ffff:7f00:1]').allowed).toBe(false);
  });

  it('lets exempted ranges through, and only those', () => {
    const exempt = [parseCidr('127.0.0.1/32')!];
    expect(judgeAddress('127.0.0.1', exempt)).toEqual({ allowed: true });
    expect(judgeAddress('::ffff:127.0.0.1', exempt)).toEqual({ allowed: true });
    expect(judgeAddress('127.0.0.2', exempt).allowed).toBe(false);
    expect(judgeAddress('::1', exempt).allowed).toBe(false);
    expect(judgeAddress('10.0.0.1', [parseCidr('10.0.0.0/8')!])).toEqual({ allowed: true });
  });
});

describe('parsing', () => {
  it('parses IPv6 with ::, embedded IPv4 and zones', () => {
    expect([...parseIPv6('::ffff:1.2.3.4')!]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
    expect([...parseIPv6('fe80::1%eth0')!]).toEqual([0xfe, 0x80, ...Array(13).fill(0), 1]);
    expect([...parseIPv6('1:2:3:4:5:6:7:8')!]).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(parseIPv6('1::2::3')).toBeNull();
    expect(parseIPv6('example.com')).toBeNull();
  });

  it('parses ranges and refuses nonsense', () => {
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ prefix: 8, text: '10.0.0.0/8' });
    expect(parseCidr('::1')).toMatchObject({ prefix: 128 });
    for (const bad of ['10.0.0.0/33', '10.0.0.0/x', 'localhost', '::1/129', '10.0.0.0/']) expect(parseCidr(bad), bad).toBeNull();
  });
});
