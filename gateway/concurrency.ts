/**
 * How much the gateway does at once. Connections are counted in all and per
 * address as they open, so a request on one over a limit is answered before its
 * body is read; requests past the key check are counted in all and per key; and
 * a Gate queues work (decoding, host look-ups) that must not run more than so
 * many at once. Each count shows on /healthz.
 */
import type { Server } from 'node:http';
import { isIPv6, type Socket } from 'node:net';
import { ErrorCodes } from '../src/errors.js';
import { parseIPv6 } from './ip-policy.js';
import { GatewayError } from './responses.js';

const RETRY_AFTER = { 'retry-after': '1' };

const busy = (what: string) =>
  new GatewayError(ErrorCodes.BUSY, `The gateway is busy (${what}): retry after 1 s.`, 503, RETRY_AFTER);

/**
 * The address a client is counted under: IPv4 as itself (also when it comes
 * IPv4-mapped), IPv6 by its /64, the block one subscriber usually holds.
 */
export function addressKey(address: string | undefined): string {
  const text = (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (!isIPv6(text)) return text;
  const bytes = parseIPv6(text)!;
  return `${Buffer.from(bytes.subarray(0, 8)).toString('hex')}::/64`;
}

/** A counting semaphore with a queue: at most `size` holders at once, the rest wait in order. */
export class Gate {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly size: number) {}

  get depth(): { running: number; queued: number } {
    return { running: this.running, queued: this.queue.length };
  }

  /** Resolves with the slot's release once there is one; rejects with `signal.reason` if it aborts first. */
  enter(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.running < this.size) {
      this.running++;
      return Promise.resolve(this.release());
    }
    return new Promise((resolve, reject) => {
      const start = () => {
        signal?.removeEventListener('abort', onAbort);
        this.running++;
        resolve(this.release());
      };
      const onAbort = () => {
        const at = this.queue.indexOf(start);
        if (at >= 0) this.queue.splice(at, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(start);
    });
  }

  private release(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.queue.shift()?.();
    };
  }
}

/** Requests past the key check, in all and per key (the rate limiter's bucket number). */
export class InFlight {
  private total = 0;
  /** Requests held per key index, and per address for keyless calls (`anonymous:<address>`). */
  private readonly perKey = new Map<number | string, number>();

  constructor(
    private readonly max: number,
    private readonly maxPerKey: number,
  ) {}

  get count(): number {
    return this.total;
  }

  /**
   * Counts a request in and returns its release; throws 4029 or 5024 past a cap.
   * `bucket` is the key's index, or for a keyless call its address's own bucket,
   * so one keyless address cannot take every keyless caller's share.
   */
  enter(bucket: number | string): () => void {
    const mine = this.perKey.get(bucket) ?? 0;
    if (mine >= this.maxPerKey) {
      const who = typeof bucket === 'number' ? ['This API key', 'one key'] : ['This address', 'one address without a key'];
      throw new GatewayError(
        ErrorCodes.RATE_LIMITED,
        `${who[0]} already has ${mine} requests at once, the most this gateway takes from ${who[1]}: retry after 1 s, or once one is answered.`,
        429,
        RETRY_AFTER,
      );
    }
    if (this.total >= this.max) throw busy(`${this.total} requests at once`);
    this.total++;
    this.perKey.set(bucket, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = this.perKey.get(bucket)! - 1;
      if (left === 0) this.perKey.delete(bucket);
      else this.perKey.set(bucket, left);
    };
  }
}

/**
 * Open connections, in all and per address. A connection that opens past a limit
 * is kept just long enough to answer its first request (without reading its
 * body) and given 2 s to send it; past twice a limit it is closed at once.
 */
export class Connections {
  private total = 0;
  private readonly perAddress = new Map<string, number>();
  private readonly refusals = new WeakMap<Socket, GatewayError>();

  /** `shared`: peers whose connections carry many clients' requests (trusted load balancers), held to the total only. */
  constructor(
    private readonly max: number,
    private readonly maxPerAddress: number,
    private readonly shared: (address: string | undefined) => boolean = () => false,
  ) {}

  get count(): number {
    return this.total;
  }

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => {
      const address = addressKey(socket.remoteAddress);
      const mine = (this.perAddress.get(address) ?? 0) + 1;
      this.perAddress.set(address, mine);
      this.total++;
      socket.once('close', () => {
        this.total--;
        const left = this.perAddress.get(address)! - 1;
        if (left === 0) this.perAddress.delete(address);
        else this.perAddress.set(address, left);
      });
      const counted = this.shared(socket.remoteAddress) ? 0 : mine;
      if (this.total > 2 * this.max || counted > 2 * this.maxPerAddress) {
        socket.destroy();
      } else if (counted > this.maxPerAddress) {
        this.refuse(socket, new GatewayError(ErrorCodes.RATE_LIMITED, `Too many connections from this address (${this.maxPerAddress} at most): retry after 1 s.`, 429, RETRY_AFTER));
      } else if (this.total > this.max) {
        this.refuse(socket, busy(`${this.max} connections open`));
      }
    });
  }

  private refuse(socket: Socket, error: GatewayError): void {
    this.refusals.set(socket, error);
    socket.setTimeout(2000, () => socket.destroy());
  }

  /** Throws the refusal owed to a request on this connection, if it opened past a limit. */
  check(socket: Socket): void {
    const refusal = this.refusals.get(socket);
    if (refusal) throw refusal;
  }
}
