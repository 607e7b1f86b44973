/**
 * WebDriver classic over HTTP, the few commands the engine checks need: WebKitGTK's
 * WebKitWebDriver speaks it (and no BiDi), driving its MiniBrowser under Xvfb.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface WebDriverSession {
  goto(url: string): Promise<void>;
  /** Runs `body` (a function body; `arguments` holds `args`, the last one is the callback) and waits for its callback. */
  executeAsync<T>(body: string, ...args: unknown[]): Promise<T>;
  execute<T>(body: string, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export async function startWebDriver(command: string[], capabilities: object, log: (line: string) => void = () => {}): Promise<WebDriverSession> {
  const port = await freePort();
  const [bin, ...args] = command;
  // Its own process group, so closing ends Xvfb, the driver and the browser together.
  const driver: ChildProcess = spawn(bin!, [...args, `--port=${port}`], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  driver.stdout!.on('data', (chunk: Buffer) => log(chunk.toString()));
  driver.stderr!.on('data', (chunk: Buffer) => log(chunk.toString()));
  const base = `http://127.0.0.1:${port}`;
  const call = async (method: string, path: string, body?: object) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await response.json()) as { value: any };
    if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
    return json.value;
  };
  const kill = () => {
    try {
      process.kill(-driver.pid!, 'SIGTERM');
    } catch {}
  };
  let session: { sessionId: string } | undefined;
  for (let i = 0; i < 100 && !session; i++) {
    try {
      session = await call('POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    } catch (error) {
      if (!/fetch failed|ECONNREFUSED/.test(String((error as Error).cause ?? error))) {
        kill();
        throw error;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (!session) {
    kill();
    throw new Error(`${bin} did not answer on port ${port}`);
  }
  const id = session.sessionId;
  await call('POST', `/session/${id}/timeouts`, { script: 300_000, pageLoad: 120_000 });
  return {
    goto: async (url) => void (await call('POST', `/session/${id}/url`, { url })),
    executeAsync: (body, ...args) => call('POST', `/session/${id}/execute/async`, { script: body, args }),
    execute: (body, ...args) => call('POST', `/session/${id}/execute/sync`, { script: body, args }),
    close: async () => {
      try {
        await call('DELETE', `/session/${id}`);
      } finally {
        kill();
      }
    },
  };
}
