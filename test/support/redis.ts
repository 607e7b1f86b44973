/**
 * Debian's redis-server for tests, started by the test itself: on a free
 * loopback port, its config and files in a temp dir, nothing saved to disk,
 * and killed when the test is done (or the test process exits). It can be
 * stopped and started again on the same port, as an outage and its end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = process.env.VEIL_REDIS_SERVER ?? (existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server');

/** A port nothing listens on now (the OS's pick), for servers that cannot be given port 0 and report back. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once `port` accepts a connection and answers `ask` with something starting `expect`; rejects after `timeoutMs`. */
export async function waitForPort(port: number, { ask, expect, timeoutMs = 10_000 }: { ask?: string; expect?: string; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      const done = (result: boolean) => {
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(500, () => done(false));
      socket.once('error', () => done(false));
      socket.once('connect', () => (ask ? socket.write(ask) : done(true)));
      socket.once('data', (data) => done(!expect || data.toString().startsWith(expect)));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing answered on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `command` and keeps it in the set killed when the test process exits. */
export function spawnTracked(command: string, args: string[], options: Parameters<typeof spawn>[2] = {}): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Rejects if `child` fails to start or exits: a server that should be running. */
export function startFailure(child: ChildProcess, name: string, install: string): Promise<never> {
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`${name} could not start (${error.message}): install ${install} (scripts/ensure-system-deps.mjs does).`)));
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it answered.`)));
  });
  failed.catch(() => undefined);
  return failed;
}

/** Sends `signal` and waits until the process has exited. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

export interface RedisServer {
  url: string;
  port: number;
  /** Stops it (SIGTERM; nothing is saved, so it comes back empty, as after a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'veil-redis-'));
  const port = await freePort();
  const config = join(dir, 'redis.conf');
  writeFileSync(
    config,
    [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, 'save ""', 'appendonly no', 'daemonize no', `logfile ${join(dir, 'redis.log')}`, 'protected-mode yes'].join('\n'),
  );
  let child: ChildProcess | null = null;
  const start = async () => {
    const proc = spawnTracked(REDIS_SERVER, [config]);
    child = proc;
    await Promise.race([waitForPort(port, { ask: 'PING\r\n', expect: '+PONG' }), startFailure(proc, 'redis-server', "Debian's redis-server")]);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    async stop() {
      if (child) await stopProcess(child);
      child = null;
    },
    async close() {
      if (child) await stopProcess(child, 'SIGKILL');
      child = null;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
