/**
 * veil-nsfw as the registry gives it: `npm pack` of a fresh checkout (the files
 * a clone has, nothing built), checked with the field's package linters
 * (publint, Are the Types Wrong), then installed into a fresh app folder with
 * the server packages and nsfwjs, where `npx veil-nsfw` fetches a model,
 * converts nsfwjs's classifier, copies the browser assets and runs the gateway,
 * which answers a real request as the repository's own gateway does.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestGateway } from '../support/gateway.js';
import { ROOT } from '../support/fixture-data.js';

const run = promisify(execFile);
const FIXTURE_MODEL = join(ROOT, 'public/models/veil-fixture-320.onnx');
const CLASSIFIER_MODEL = join(ROOT, 'public/models/nsfwjs-mobilenet-v2.onnx');
const IMAGE = join(ROOT, 'test/.cache/images/landscape-640x480.jpg');
/** What a server installs beside veil-nsfw (docs: "The gateway from the registry"), at the versions this repository tests. */
const SERVER_PACKAGES = ['onnxruntime-node', 'sharp', 'pino', 'prom-client', 'ioredis'];
const installedVersion = (name: string) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version as string;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

let work: string;
let tarball: string;
let app: string;
const children: ChildProcess[] = [];

/** The environment an app's shell has: none of the npm settings this test run inherits from `npm test` (npm warns about this repository's own). */
const appEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

/** `npx veil-nsfw …` in the app, typed as a user types it; resolves with the exit code and both streams. */
function npx(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('npx', ['veil-nsfw', ...args], { cwd: app, env: appEnv(), maxBuffer: 1 << 24 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: Number(error.code ?? 1), stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

beforeAll(async () => {
  for (const file of [FIXTURE_MODEL, CLASSIFIER_MODEL, IMAGE]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run npm run models and node test/fixtures/prepare.mjs first (npm test does)`);
  }
  work = mkdtempSync(join(tmpdir(), 'veil-package-'));
  // A fresh checkout: the files git would give (committed or not, never ignored ones such as dist/), and the repository's node_modules to build with.
  const checkout = join(work, 'checkout');
  const { stdout: listed } = await run('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, maxBuffer: 1 << 26 });
  for (const file of listed.split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue; // deleted, not yet committed
    mkdirSync(dirname(join(checkout, file)), { recursive: true });
    cpSync(join(ROOT, file), join(checkout, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
  expect(existsSync(join(checkout, 'dist'))).toBe(false);
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: checkout, maxBuffer: 1 << 26 });
  tarball = join(work, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);

  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'an-app', private: true, type: 'module' }));
  // onnxruntime-node's install script would download GPU libraries; its CPU build ships in the package.
  writeFileSync(join(app, '.npmrc'), 'onnxruntime-node-install=skip\n');
  const pinned = [...SERVER_PACKAGES, 'nsfwjs'].map((name) => `${name}@${installedVersion(name)}`);
  // --prefer-offline: npm's cache has these packages' files (npm ci put them there) but not always their registry documents.
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...pinned], { cwd: app, maxBuffer: 1 << 26 });
  rmSync(join(app, '.npmrc'));
}, 300_000);

/** Signals the whole process group: npx runs the command under a shell, and a signal to npx alone leaves the gateway running. */
const killGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
};

afterAll(() => {
  for (const child of children) killGroup(child, 'SIGKILL');
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack from a fresh checkout', () => {
  it('holds the built library, its worker and runtime, the command, the gateway and the model manifest', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball], { maxBuffer: 1 << 24 });
    const files = stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    for (const file of [
      'package.json', 'README.md', 'LICENSE', 'models/manifest.json',
      'dist/index.js', 'dist/index.d.ts', 'dist/dialects.js', 'dist/node.js', 'dist/worker.js',
      'dist/element.js', 'dist/element.d.ts', 'dist/react.js', 'dist/react.d.ts',
      'dist/ort.wasm.bundle.min.mjs', 'dist/ort-wasm-simd-threaded.wasm',
      'dist/ort.webgpu.bundle.min.mjs', 'dist/ort-wasm-simd-threaded.asyncify.wasm',
      'dist/ort.jspi.bundle.min.mjs', 'dist/ort-wasm-simd-threaded.jspi.wasm',
      'dist/cli/veil-nsfw.js', 'dist/cli/pixel-worker.js',
    ]) expect(files, file).toContain(file);
    // Nothing of the repository's own: no sources, tests or models.
    expect(files.filter((f) => !/^(dist\/|models\/manifest\.json$|package\.json$|README\.md$|LICENSE$)/.test(f))).toEqual([]);
    expect(files.some((f) => f.endsWith('.onnx'))).toBe(false);
  });

  it('passes publint with no error or warning', async () => {
    const { publint } = await import('publint');
    const { formatMessage } = await import('publint/utils');
    const tar = readFileSync(tarball);
    const { messages, pkg } = await publint({ pack: { tarball: tar.buffer.slice(tar.byteOffset, tar.byteOffset + tar.byteLength) as ArrayBuffer }, level: 'warning' });
    expect(messages.map((m) => formatMessage(m, pkg!))).toEqual([]);
  });

  it('passes Are the Types Wrong for ES module resolution (node16 from ESM, bundler)', async () => {
    // ESM only, as the package says ("type": "module", import conditions only): CommonJS and node10 resolutions are not offered.
    const attw = join(ROOT, 'node_modules/.bin/attw');
    const result = await run(attw, [tarball, '--profile', 'esm-only', '--format', 'json'], { maxBuffer: 1 << 24 }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ code: Number(error.code ?? 1), stdout: error.stdout ?? '' }),
    );
    const { analysis, problems } = JSON.parse(result.stdout) as { analysis: { entrypoints: Record<string, unknown> }; problems: Record<string, { entrypoint: string; resolutionKind: string }[]> };
    expect(Object.keys(analysis.entrypoints).sort()).toEqual(['.', './dialects', './element', './node', './react']);
    const esm = Object.values(problems).flat().filter((p) => p.resolutionKind === 'node16-esm' || p.resolutionKind === 'bundler');
    expect(esm).toEqual([]);
    expect(result.code).toBe(0);
  });
});

describe('npx veil-nsfw in an app', () => {
  it('answers --help and --version, and a wrong command with exit 2', async () => {
    const help = await npx(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/models <id\.\.\.>[\s\S]*assets --out DIR[\s\S]*gateway/);
    expect((await npx(['--version'])).stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    const wrong = await npx(['model', '320n']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim()).toBe('Unknown command "model"; the commands are models, assets and gateway (run npx veil-nsfw --help).');
  });

  it('models 320n --file installs and checks a NudeNet-shaped model into public/models', { timeout: 60_000 }, async () => {
    const r = await npx(['models', '320n', '--file', FIXTURE_MODEL]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Installed public/models/320n.onnx');
    expect(r.stdout).toContain('images [1,3,320,320] -> output0 [1,22,2100]');
    expect(sha256(join(app, 'public/models/320n.onnx'))).toBe(sha256(FIXTURE_MODEL));
  });

  it('models 320n with no server to reach says so in one sentence, naming --file, and exits 1', { timeout: 60_000 }, async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const r = await npx(['models', '320n', '--out', 'elsewhere', '--url', `http://127.0.0.1:${closed}/320n.onnx`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('the connection was refused');
    expect(r.stderr).toContain('--file PATH');
    expect(existsSync(join(app, 'elsewhere/320n.onnx'))).toBe(false);
  });

  it("models nsfwjs-mobilenet-v2 converts the app's nsfwjs into the repository's exact file", { timeout: 120_000 }, async () => {
    const r = await npx(['models', 'nsfwjs-mobilenet-v2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('to public/models/nsfwjs-mobilenet-v2.onnx');
    expect(sha256(join(app, 'public/models/nsfwjs-mobilenet-v2.onnx'))).toBe(sha256(CLASSIFIER_MODEL));
  });

  it('assets --out copies the worker with every chunk it imports and the runtime, and prints the options', async () => {
    //: brotli at quality 11 takes a minute on the .wasm files; the copies are checked in test/browser/compressed-delivery.spec.ts.
    const r = await npx(['assets', '--out', 'public/veil']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("createDetector({ model, workerUrl: '/veil/worker.js', wasmPaths: '/veil/' })");
    const copied = readdirSync(join(app, 'public/veil'));
    for (const file of ['worker.js', 'ort.wasm.bundle.min.mjs', 'ort.webgpu.bundle.min.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.asyncify.wasm', 'ort.jspi.bundle.min.mjs', 'ort-wasm-simd-threaded.jspi.wasm']) expect(copied).toContain(file);
    // Every relative import of every copied script is there too.
    for (const file of copied.filter((f) => /\.m?js$/.test(f))) {
      for (const [, name] of readFileSync(join(app, 'public/veil', file), 'utf8').matchAll(/["'`]\.\/([\w.-]+\.m?js)["'`]/g)) expect(copied, `${file} imports ${name}`).toContain(name);
    }
  });

  it('gateway runs from node_modules and answers as the repository gateway does', { timeout: 120_000 }, async () => {
    const image_b64 = readFileSync(IMAGE).toString('base64');
    const child = spawn('npx', ['veil-nsfw', 'gateway', '--port', '0', '--model', 'public/models/320n.onnx', '--classifier', 'nsfwjs-mobilenet-v2', '--keys', 'app-key'], { cwd: app, env: appEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.push(child);
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const seen = (chunk: Buffer) => {
        output += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      };
      child.stdout!.on('data', seen);
      child.stderr!.on('data', seen);
      child.on('exit', (code) => reject(new Error(`the gateway exited with ${code}: ${output}`)));
    });
    expect(output).toContain('backends: nudenet (public/models/320n.onnx, input 320), nsfwjs-mobilenet-v2');
    const answer = await postJson(url, { image_b64, backend: 'nudenet+nsfwjs-mobilenet-v2' }, 'app-key');
    const reference = await startTestGateway(['--classifier', 'nsfwjs-mobilenet-v2', '--classifier-model', CLASSIFIER_MODEL]);
    try {
      const expected = await postJson(reference.endpoint, { image_b64, backend: 'nudenet+nsfwjs-mobilenet-v2' });
      expect(answer.status).toBe(200);
      expect(answer.body.code).toBe(200);
      for (const field of ['decision', 'label', 'score', 'categories', 'detections', 'input'] as const) expect(answer.body[field], field).toEqual(expected.body[field]);
    } finally {
      await reference.close();
    }
    const exited = new Promise((resolve) => child.on('exit', resolve));
    killGroup(child, 'SIGTERM');
    await exited;
    // The gateway itself, not only npx, has gone: nothing is left listening.
    await expect.poll(() => fetch(url).then(() => 'listening', () => 'gone'), { timeout: 10_000 }).toBe('gone');
  });

  it('names a missing server package and the command that installs them all', { timeout: 60_000 }, async () => {
    const pino = join(app, 'node_modules/pino');
    renameSync(pino, `${pino}.away`);
    try {
      const r = await npx(['gateway', '--port', '0', '--model', 'public/models/320n.onnx', '--keys', 'app-key']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        'The gateway needs the npm package pino, which writes the request log, and it is not installed: run `npm install onnxruntime-node sharp pino prom-client ioredis` in the folder you start the gateway from.',
      );
      // --help needs none of them.
      expect((await npx(['gateway', '--help'])).code).toBe(0);
    } finally {
      renameSync(`${pino}.away`, pino);
    }
  });
});
