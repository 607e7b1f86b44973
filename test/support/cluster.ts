/**
 * Gateway instances as a deployment runs them: each its own Node process
 * (gateway/main.ts through tsx, so tests need no compile step that another
 * test could be running at the same time), on a loopback port, stopped by
 * SIGTERM (gracefully) or SIGKILL (a crash), restartable on the same port.
 * With redis.ts and nginx.ts, a whole deployment on one machine.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT } from './fixture-data.js';
import { CACHE_SECRET } from './gateway.js';
import { type Nginx, startNginx } from './nginx.js';
import { freePort, type RedisServer, spawnTracked, startFailure, startRedis, stopProcess } from './redis.js';

export interface Instance {
  port: number;
  url: string;
  /** stdout and stderr so far: the listening line, then the request log (JSON lines). */
  output(): string;
  /** The request log's lines so far, parsed. */
  requests(): Record<string, unknown>[];
  /** SIGTERM: finish what it holds, then exit. Resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  /** Starts it again, same port and flags. */
  restart(): Promise<void>;
}

/** Starts one instance with these flags (its port is chosen here); resolves once it says it listens. */
export async function startInstance(flags: string[], env: NodeJS.ProcessEnv = {}): Promise<Instance> {
  const port = await freePort();
  let child: ChildProcess;
  let output = '';
  const start = async () => {
    output = '';
    child = spawnTracked(process.execPath, ['--import', 'tsx', 'gateway/main.ts', '--port', String(port), ...flags], {
      cwd: ROOT,
      env: { ...process.env, VEIL_GATEWAY_CACHE_SECRET: CACHE_SECRET, ...env },
    });
    child.stdout!.on('data', (c: Buffer) => (output += c));
    child.stderr!.on('data', (c: Buffer) => (output += c));
    const listening = new Promise<void>((resolve) => {
      const check = () => {
        if (/listening on http:\/\//.test(output)) resolve();
      };
      child.stdout!.on('data', check);
    });
    await Promise.race([listening, startFailure(child, 'The gateway', 'its dependencies (npm ci)')]).catch((error: Error) => {
      throw new Error(`${error.message}\n${output}`);
    });
  };
  await start();
  const exitCode = () => new Promise<number | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    requests: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes('"msg":"request"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    async stop() {
      const code = exitCode();
      await stopProcess(child, 'SIGTERM');
      return code;
    },
    kill: () => stopProcess(child, 'SIGKILL'),
    restart: start,
  };
}

/** What reliability/cluster-load.mjs reports. */
export interface LoadReport {
  requests: number;
  ok: number;
  wrong_total: number;
  wrong: unknown[];
  failed_total: number;
  failed: { status: number; code?: number; desc?: string; error?: string }[];
  statuses: Record<string, number>;
  cache_hits: number;
  hit_rate: number;
  p50_ms: number;
  p95_ms: number;
  p50_hit_ms: number | null;
  p50_miss_ms: number | null;
  max_ms: number;
  seconds: number;
  per_second: number;
}

/**
 * Runs reliability/cluster-load.mjs (a second process) against `endpoint` with
 * `key`, over variants of the landscape fixture photo. `during` runs while it
 * sends; with `steady` (the default when there is one) the load is then told to
 * stop (SIGINT), giving traffic for as long as `during` takes; otherwise all
 * `requests` are sent.
 */
export async function runLoad(
  endpoint: string,
  key: string,
  { requests, concurrency, distinct, during, steady = true }: { requests: number; concurrency: number; distinct: number; during?: () => Promise<void>; steady?: boolean },
): Promise<LoadReport> {
  const image = join(ROOT, 'test/.cache/images/landscape-640x480.jpg');
  const args = ['reliability/cluster-load.mjs', endpoint, key, image, String(requests), String(concurrency), String(distinct)];
  const child = spawnTracked(process.execPath, args, { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve) => child.stderr!.on('data', (c: Buffer) => (stderr += c).includes('sending') && resolve()));
  try {
    await during?.();
  } catch (error) {
    await stopProcess(child, 'SIGKILL');
    throw error;
  }
  if (during && steady) child.kill('SIGINT');
  await exited;
  if (!stdout) throw new Error(`the load process reported nothing: ${stderr}`);
  return JSON.parse(stdout) as LoadReport;
}

export interface Deployment {
  redis: RedisServer;
  instances: Instance[];
  nginx: Nginx;
  /** The endpoint through nginx. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A whole deployment: redis-server, `count` instances sharing it (with `flags`,
 * the keys of `keys` in a keys file, nginx trusted for X-Forwarded-For, and room
 * for one key's load: 64 requests at once), nginx in front.
 */
export async function startDeployment(count: number, flags: string[], keys: object[]): Promise<Deployment> {
  const keysFile = join(mkdtempSync(join(tmpdir(), 'veil-cluster-')), 'keys.json');
  writeFileSync(keysFile, JSON.stringify(keys));
  const redis = await startRedis();
  const shared = ['--keys-file', keysFile, '--redis', redis.url, '--trust-proxy', '127.0.0.1/32', '--proxy-header', 'x-forwarded-for', '--max-in-flight-per-key', '64', ...flags];
  const instances = await Promise.all(Array.from({ length: count }, () => startInstance(shared)));
  const nginx = await startNginx(instances.map((i) => i.port));
  return {
    redis,
    instances,
    nginx,
    endpoint: `${nginx.url}/api/image-nsfw`,
    async close() {
      await nginx.close();
      await Promise.all(instances.map((i) => i.kill()));
      await redis.close();
    },
  };
}
