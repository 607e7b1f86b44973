/**
 * The connection to the Redis that instances share (`--redis`), through ioredis.
 * A request must never wait on a Redis that is gone: commands are not queued
 * while disconnected (they fail at once), one that gets no answer fails after
 * a second, and the client reconnects by itself, at most a second apart, so
 * instances recover without a restart when Redis returns. Each change of state
 * is logged once, not once per request.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** How long one command may take before the request goes on as if Redis were down. */
export const COMMAND_TIMEOUT_MS = 1000;

export interface RedisLink {
  readonly client: Redis;
  /** Connected and ready: commands sent now should be answered. */
  readonly up: boolean;
  close(): Promise<void>;
}

/** The URL as logs may show it: without its password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the Redis URL';
  }
}

export function connectRedis(url: string, logger: Logger, onChange: (up: boolean) => void = () => undefined): RedisLink {
  const shown = redactUrl(url);
  const options = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    // Reconnect forever, soon: an outage ends on its own and the instances should notice at once.
    retryStrategy: (times: number) => Math.min(100 * times, 1000),
  };
  const client = url.startsWith('unix:') ? new Redis({ ...options, path: url.slice('unix:'.length) }) : new Redis(url, options);
  let up = false;
  let warned = false;
  client.on('ready', () => {
    up = true;
    if (warned) logger.info({ redis: shown }, 'Redis is reachable again: limits, allowances and the cache are shared again');
    warned = false;
    onChange(true);
  });
  const down = (error?: Error) => {
    if (up) onChange(false);
    up = false;
    if (!warned && client.status !== 'end') {
      warned = true;
      logger.warn(
        { redis: shown, err: error?.message },
        'Redis is unreachable: the rate limit falls back to this instance, keys with a daily allowance are refused (5021), the cache misses',
      );
    }
  };
  // ioredis reports each failed reconnection as an error; without a listener Node would throw it.
  client.on('error', (error: Error) => down(error));
  client.on('close', () => down());
  return {
    client,
    get up() {
      return up && client.status === 'ready';
    },
    async close() {
      up = false;
      warned = true; // closing on purpose is not an outage
      await client.quit().catch(() => client.disconnect());
    },
  };
}
