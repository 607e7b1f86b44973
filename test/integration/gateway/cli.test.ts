/**
 * The documented command itself: `npm run gateway -- ...` compiles and starts the
 * server, which answers, reads VEIL_GATEWAY_* variables, stops on SIGTERM, and
 * refuses bad settings with a sentence and exit code 2. Every child runs in its
 * own process group and is killed with it, so nothing outlives the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CLASSIFIER, imageBytes, MODEL_320 } from '../../support/gateway.js';
import { ROOT } from '../../support/fixture-data.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  }
});

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn('npm', ['run', '--silent', 'gateway', '--', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true, // its own process group: npm, sh and node go together
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c));
  child.stderr!.on('data', (c: Buffer) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /listening on (http:\/\/\S+)\/api\/image-nsfw/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', check);
    exited.then((code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  listening.catch(() => undefined); // awaited only by tests that expect a start
  return { child, exited, listening, output: () => output };
}

/** Sends SIGTERM to the whole group (npm, sh, node) and waits until none of it is left. */
async function stop(child: ChildProcess): Promise<void> {
  process.kill(-child.pid!, 'SIGTERM');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-child.pid!, 0);
    } catch {
      return; // ESRCH: no process of the group remains
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the gateway was still running 10 s after SIGTERM');
}

describe('npm run gateway', () => {
  it('starts from flags, answers, and stops on SIGTERM', async () => {
    const gateway = run(['--port', '0', '--model', MODEL_320, '--keys', 'cli-key', '--qps', '5']);
    const url = await gateway.listening;
    expect(gateway.output()).toContain('nudenet (');
    expect(gateway.output()).toContain('1 key(s), 5 req/s each');
    const response = await fetch(`${url}/api/image-nsfw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'cli-key' },
      body: JSON.stringify({ image_b64: imageBytes('landscape-640x480.jpg').toString('base64') }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ code: 200, backend: 'nudenet', decision: 'block' });
    await stop(gateway.child);
    expect(gateway.output()).toContain('SIGTERM: stopping');
  }, 120_000);

  it('reads VEIL_GATEWAY_* variables and warns about the test-only escape', async () => {
    const gateway = run([], {
      VEIL_GATEWAY_PORT: '0',
      VEIL_GATEWAY_KEYS: 'env-key',
      VEIL_GATEWAY_ALLOW_PRIVATE_URLS: '127.0.0.1/32',
    });
    const url = await gateway.listening;
    expect(gateway.output()).toContain('WARNING: --allow-private-urls lets image_url reach 127.0.0.1/32');
    expect(gateway.output()).toContain('backends: none');
    const response = await fetch(`${url}/api/image-nsfw?apikey=env-key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image_b64: 'AAAA' }),
    });
    expect((await response.json()).code).toBe(5020);
    await stop(gateway.child);
  }, 120_000);

  it('runs a built-in classifier from the compiled server (its manifest imported as JSON there too), or refuses its wrong file (exit 1)', async () => {
    const gateway = run(['--port', '0', '--keys', 'cli-key', '--classifier', CLASSIFIER]);
    const url = await gateway.listening;
    expect(gateway.output()).toContain(`backends: ${CLASSIFIER} (public/models/${CLASSIFIER}.onnx, input 224)`);
    expect(gateway.output()).toContain('No --model given: the nudenet backend is off.');
    const response = await fetch(`${url}/api/image-nsfw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'cli-key' },
      body: JSON.stringify({ image_b64: imageBytes('landscape-640x480.jpg').toString('base64') }),
    });
    const body = await response.json();
    expect(body).toMatchObject({ code: 200, backend: CLASSIFIER, detections: [], raw: { classifier: { model: CLASSIFIER } } });
    await stop(gateway.child);
    const wrong = run(['--port', '0', '--keys', 'k', '--classifier', CLASSIFIER, '--classifier-model', MODEL_320]);
    expect(await wrong.exited).toBe(1);
    expect(wrong.output()).toMatch(/could not start \(5010\): \S+veil-fixture-320\.onnx: This model is not the classifier "nsfwjs-mobilenet-v2" describes/);
    const unknown = run(['--port', '0', '--keys', 'k', '--classifier', 'nsfwjs-v9']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.output()).toContain('--classifier takes a built-in classifier name');
  }, 120_000);

  it('refuses to start without keys (exit 2) or with a model that is not NudeNet (exit 1)', async () => {
    const noKeys = run(['--port', '0']);
    expect(await noKeys.exited).toBe(2);
    expect(noKeys.output()).toContain('Give at least one API key');
    const badModel = run(['--port', '0', '--keys', 'k', '--model', `${ROOT}/public/models/bad-inputs.onnx`]);
    expect(await badModel.exited).toBe(1);
    expect(badModel.output()).toMatch(/could not start \(5010\): This model is not a NudeNet detector/);
  }, 120_000);
});
