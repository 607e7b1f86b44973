/**
 * Looking up image_url hosts. `dns.lookup` runs getaddrinfo on libuv's thread
 * pool (4 threads, shared with file I/O and more), and nothing cancels it: hosts
 * whose DNS never answers could hold every thread. So the gateway asks DNS
 * servers itself (c-ares: `resolve4` and `resolve6`, no thread pool) with its own
 * timeout, and lets at most so many look-ups run at once. The hosts file comes
 * first, as it does for getaddrinfo, and `localhost` names are loopback (RFC
 * 6761) even without one: the address policy then judges what they name.
 */
import { Resolver as DnsResolver } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Gate } from './concurrency.js';

/**
 * Resolves a host name to its addresses; injectable so tests can play DNS. A
 * resolver may stop early when `signal` aborts; the gateway stops waiting then either way.
 */
export type Resolver = (hostname: string, signal?: AbortSignal) => Promise<string[]>;

/** Answers that mean "no address of this family", not a failure. */
const NO_ADDRESS = new Set(['ENODATA', 'ENOTFOUND']);

const tooSlow = (timeoutMs: number) => new Error(`DNS did not answer within ${timeoutMs / 1000} s`);

const HOSTS_FILE =
  process.platform === 'win32' ? join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'drivers', 'etc', 'hosts') : '/etc/hosts';

/** The addresses the hosts file gives `hostname` (empty when none, or no file). */
async function fromHostsFile(hostname: string, path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const addresses: string[] = [];
  for (const line of text.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (address && names.some((name) => name.toLowerCase() === hostname)) addresses.push(address);
  }
  return addresses;
}

/**
 * The hosts file, then the system's DNS servers (or `servers`, for tests) for A
 * and AAAA records, giving up after `timeoutMs`.
 */
export function createResolver({ timeoutMs, servers, hostsFile = HOSTS_FILE }: { timeoutMs: number; servers?: string[]; hostsFile?: string }): Resolver {
  return async (name) => {
    const hostname = name.toLowerCase().replace(/\.$/, '');
    const listed = await fromHostsFile(hostname, hostsFile);
    if (listed.length > 0) return listed;
    if (hostname === 'localhost' || hostname.endsWith('.localhost')) return ['127.0.0.1', '::1'];
    // One channel per look-up, so giving up on it cancels this look-up only.
    const resolver = new DnsResolver({ timeout: Math.max(50, Math.round(timeoutMs / 3)), tries: 2 });
    if (servers) resolver.setServers(servers);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      resolver.cancel();
    }, timeoutMs);
    try {
      const answers = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
      if (timedOut) throw tooSlow(timeoutMs);
      const failed = answers.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
      const hard = failed.find((a) => !NO_ADDRESS.has((a.reason as NodeJS.ErrnoException).code ?? ''));
      if (hard) throw hard.reason;
      if (failed.length === 2 && failed.some((a) => (a.reason as NodeJS.ErrnoException).code === 'ENOTFOUND')) throw failed[0]!.reason;
      return answers.flatMap((a) => (a.status === 'fulfilled' ? a.value : []));
    } finally {
      clearTimeout(timer);
    }
  };
}

/** `promise`, or `signal.reason` as soon as `signal` aborts. */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * `resolve` run through `gate` (at most so many at once, the rest queued) and cut
 * off after `timeoutMs` whatever resolver it is. The caller stops waiting when
 * its request's signal aborts; the slot comes back only when the look-up ends or
 * is cut off, so the cap counts every look-up still running.
 */
export function limitLookups(resolve: Resolver, gate: Gate, timeoutMs: number): Resolver {
  return async (hostname, signal) => {
    const release = await gate.enter(signal);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(tooSlow(timeoutMs)), timeoutMs);
    });
    const lookup = Promise.race([Promise.resolve().then(() => resolve(hostname, signal)), deadline]).finally(() => {
      clearTimeout(timer);
      release();
    });
    return abortable(lookup, signal);
  };
}
