// @vitest-environment node
/**
 * scripts/model-fetch/ against a real local HTTP server: the manifest's checks,
 * downloads, HTTP failures, wrong or damaged files, unreachable hosts and the
 * CLI's exit codes and messages. The ONNX files are tiny graphs built here with onnx-proto that
 * have the same input/output contract as NudeNet's 320n weights.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchModel } from '../../scripts/model-fetch/install.js';
import { checkManifest, loadManifest } from '../../scripts/model-fetch/manifest.js';
import { validateModel } from '../../scripts/model-fetch/validate.js';
import { NUDENET_CLASSES } from '../../src/nudenet/classes.js';

const { onnx } = onnxProto;
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The package's command (scripts/cli/main.ts); its `models` command is what these tests run. */
const SCRIPT = path.join(REPO_ROOT, 'scripts/cli/main.ts');
const manifest = loadManifest();
const entry320 = manifest.models['320n']!;

// ---------------------------------------------------------------- ONNX builder

type Dim = number | string;
const FLOAT = 1;
const INT64 = 7;

function valueInfo(name: string, shape: Dim[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/**
 * images [1,3,S,S] -> ReduceMean(all but batch) -> Reshape [1,1,1] -> Expand [1,C,A] = output0.
 * Valid ONNX (opset 13, IR 8) that onnxruntime loads and runs, a few hundred bytes.
 */
function buildModel({
  size = 320 as Dim,
  channels = 22,
  anchors = 2100,
  inputName = 'images',
  outputName = 'output0',
  batch = 1 as Dim,
} = {}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'veil-model-fetch-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny_nudenet_contract',
      input: [valueInfo(inputName, [batch, 3, size, size])],
      output: [valueInfo(outputName, [batch, channels, anchors])],
      initializer: [
        { name: 'shape3', dataType: INT64, dims: [3], int64Data: [1, 1, 1] },
        { name: 'out_shape', dataType: INT64, dims: [3], int64Data: [1, channels, anchors] },
      ],
      node: [
        {
          opType: 'ReduceMean',
          input: [inputName],
          output: ['mean'],
          attribute: [
            { name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 2, 3] },
            { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
          ],
        },
        { opType: 'Reshape', input: ['mean', 'shape3'], output: ['mean3'] },
        { opType: 'Expand', input: ['mean3', 'out_shape'], output: [outputName] },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const VALID = buildModel();
const WRONG_OUTPUT = buildModel({ anchors: 8400 }); // 640m's output on a 320 input
const WRONG_INPUT_NAME = buildModel({ inputName: 'input' });
const GARBAGE = Buffer.from('<!DOCTYPE html><html><body>Rate limit exceeded</body></html>');
const TRUNCATED = VALID.subarray(0, Math.floor(VALID.length / 2));

// ---------------------------------------------------------------- local server

const hits = new Map<string, number>();
let server: http.Server;
let base = '';
let refusedUrl = '';
let silentServer: http.Server;
let silentUrl = '';

function send(res: http.ServerResponse, body: Uint8Array, type = 'application/octet-stream') {
  res.writeHead(200, { 'content-type': type, 'content-length': String(body.length) });
  res.end(body);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    hits.set(url, (hits.get(url) ?? 0) + 1);
    switch (url) {
      case '/valid.onnx':
        return send(res, VALID);
      case '/redirect.onnx': // GitHub release assets answer with a 302 to a CDN
        res.writeHead(302, { location: '/valid.onnx' });
        return res.end();
      case '/chunked.onnx': // no Content-Length
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(VALID.subarray(0, 100));
        return setTimeout(() => res.end(VALID.subarray(100)), 5);
      case '/wrong-output.onnx':
        return send(res, WRONG_OUTPUT);
      case '/wrong-input.onnx':
        return send(res, WRONG_INPUT_NAME);
      case '/garbage.onnx':
        return send(res, GARBAGE, 'text/html');
      case '/truncated.onnx':
        return send(res, TRUNCATED);
      case '/empty.onnx':
        return send(res, new Uint8Array(0));
      case '/cut.onnx': // announces the full size, sends half, then drops the connection
        res.writeHead(200, { 'content-length': String(VALID.length) });
        res.write(VALID.subarray(0, 100));
        return setTimeout(() => res.socket?.destroy(), 20);
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('Not Found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // A port that was just free: connecting to it is refused (port 1 cannot be
  // used because fetch blocks it as a "bad port" before connecting).
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const freePort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  refusedUrl = `http://127.0.0.1:${freePort}/320n.onnx`;

  // Accepts connections but never answers.
  silentServer = http.createServer(() => {});
  await new Promise<void>((r) => silentServer.listen(0, '127.0.0.1', r));
  silentUrl = `http://127.0.0.1:${(silentServer.address() as AddressInfo).port}/320n.onnx`;
});

afterAll(async () => {
  server.closeAllConnections();
  silentServer.closeAllConnections();
  await Promise.all([
    new Promise((r) => server.close(r)),
    new Promise((r) => silentServer.close(r)),
  ]);
});

let outDir: string;
beforeEach(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'veil-model-fetch-'));
});
afterEach(() => {
  fs.rmSync(outDir, { recursive: true, force: true });
});

const listOut = () => fs.readdirSync(outDir).sort();

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

// ---------------------------------------------------------------- manifest

describe('models/manifest.json', () => {
  it('describes both NudeNet detectors with a consistent YOLOv8 contract', () => {
    expect(Object.keys(manifest.models).sort()).toEqual(['320n', '640m']);
    for (const [id, e] of Object.entries(manifest.models) as [string, any][]) {
      const s = e.inputSize;
      expect(e.file).toBe(`${id}.onnx`);
      expect(e.url).toBe(`https://github.com/notAI-tech/NudeNet/releases/download/v3.4-weights/${id}.onnx`);
      expect(e.input).toMatchObject({ name: 'images', shape: [1, 3, s, s] });
      expect(e.output).toMatchObject({ name: 'output0', shape: [1, 4 + e.labels.length, (s / 8) ** 2 + (s / 16) ** 2 + (s / 32) ** 2] });
      expect(e.labels).toEqual([...NUDENET_CLASSES]);
      expect(e.sha256).toBeNull();
    }
    expect(manifest.models['320n']!.output.shape).toEqual([1, 22, 2100]);
    expect(manifest.models['640m']!.output.shape).toEqual([1, 22, 8400]);
    expect(manifest.licence).toMatch(/AGPL-3\.0/);
    expect(manifest.licence).toMatch(/MIT/);
  });
});

describe('loadManifest', () => {
  const raw = () => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'models/manifest.json'), 'utf8'));
  const writeManifest = (data: unknown) => {
    const p = path.join(outDir, 'manifest.json');
    fs.writeFileSync(p, JSON.stringify(data));
    return p;
  };
  const refusal = (fn: () => unknown): Error => {
    try {
      fn();
    } catch (err) {
      return err as Error;
    }
    throw new Error('expected the manifest to be refused, but it was accepted');
  };

  it('refuses a manifest whose 10th label is wrong, naming index 9 and both labels', () => {
    const data = raw();
    data.models['640m'].labels[9] = 'FEET_BARE';
    const p = writeManifest(data);
    const err = refusal(() => loadManifest(p));
    expect(err.name).toBe('ModelFetchError');
    expect(err.message).toBe(
      `${p} has "FEET_BARE" at index 9 of the labels of "640m", but Veil's class 9 is "FEET_COVERED" (src/nudenet/classes.ts); ` +
        "the labels must be NudeNet's classes in the model's output order.",
    );
  });

  it('refuses labels in another order and a list that is too short or too long', () => {
    const swapped = raw();
    const labels = swapped.models['320n'].labels;
    [labels[3], labels[4]] = [labels[4], labels[3]];
    expect(refusal(() => checkManifest(swapped)).message).toMatch(/"FEMALE_GENITALIA_EXPOSED" at index 3 of the labels of "320n"/);
    const short = raw();
    short.models['320n'].labels.pop();
    expect(refusal(() => checkManifest(short)).message).toMatch(/lists 17 labels for "320n", but Veil knows 18 NudeNet classes/);
    const long = raw();
    long.models['320n'].labels.push('EXTRA');
    expect(refusal(() => checkManifest(long)).message).toMatch(/lists 19 labels for "320n"/);
  });

  it('refuses shapes the library would refuse, and an inputSize that disagrees with them', () => {
    const rows = raw();
    rows.models['320n'].output.shape = [1, 21, 2100];
    expect(refusal(() => checkManifest(rows)).message).toMatch(
      /^models\/manifest\.json describes "320n" as a model Veil would refuse \(This model is not a NudeNet detector: .*output0 \[1,21,2100\]/,
    );
    const size = raw();
    size.models['320n'].inputSize = 640;
    expect(refusal(() => checkManifest(size)).message).toMatch(/gives "320n" an inputSize of 640 but an input shape for 320/);
  });

  it('refuses missing fields, a file name with folders and unreadable files in one sentence', () => {
    const noUrl = raw();
    delete noUrl.models['320n'].url;
    expect(refusal(() => checkManifest(noUrl)).message).toMatch(/has no usable "url" for "320n"/);
    const folders = raw();
    folders.models['320n'].file = '../320n.onnx';
    expect(refusal(() => checkManifest(folders)).message).toMatch(/has no usable "file" for "320n" \(it should be a file name ending in \.onnx, without folders\)/);
    const p = path.join(outDir, 'broken.json');
    fs.writeFileSync(p, '{ "models": ');
    expect(refusal(() => loadManifest(p)).message).toMatch(/is not valid JSON/);
    expect(refusal(() => loadManifest(path.join(outDir, 'absent.json'))).message).toMatch(/could not be read \(ENOENT\)/);
    for (const e of [noUrl, folders].map((d) => refusal(() => checkManifest(d)))) expect(e.message).not.toContain('\n');
  });
});

// ---------------------------------------------------------------- validateModel

describe('validateModel', () => {
  const write = (name: string, bytes: Uint8Array) => {
    const p = path.join(outDir, name);
    fs.writeFileSync(p, bytes);
    return p;
  };

  it('accepts a model with the 320n contract and reports its sha256', async () => {
    const p = write('ok.onnx', VALID);
    const r = await validateModel(p, entry320);
    expect(r.bytes).toBe(VALID.length);
    expect(r.sha256).toBe(sha256(VALID));
    expect(r.input).toEqual({ name: 'images', shape: [1, 3, 320, 320] });
    expect(r.output).toEqual({ name: 'output0', shape: [1, 22, 2100] });
  });

  it('accepts a dynamic batch dimension', async () => {
    const p = write('dyn.onnx', buildModel({ batch: 'batch' }));
    const r = await validateModel(p, entry320);
    expect(r.input.shape).toEqual(['batch', 3, 320, 320]);
  });

  it('names the expected and found output when the shape differs', async () => {
    const err = await rejection(validateModel(write('w.onnx', WRONG_OUTPUT), entry320));
    expect(err.message).toContain('expected output output0 float32 [1,22,2100]');
    expect(err.message).toContain('found output0 float32 [1,22,8400]');
  });

  it('names the expected and found input when the name differs', async () => {
    const err = await rejection(validateModel(write('w.onnx', WRONG_INPUT_NAME), entry320));
    expect(err.message).toContain('expected input images float32 [1,3,320,320]');
    expect(err.message).toContain('found input float32 [1,3,320,320]');
  });

  it('refuses a model that matches the manifest loosely but that the library would refuse', async () => {
    // A symbolic input size matches the manifest's 320, but the library needs a fixed one.
    const err = await rejection(validateModel(write('s.onnx', buildModel({ size: 'side' })), entry320));
    expect(err.message).toMatch(
      /^.*s\.onnx matches 320n\.onnx in models\/manifest\.json, but Veil's own model check refuses it \(This model is not a NudeNet detector: it takes images \[1,3,side,side\]/,
    );
    expect(err.message).not.toContain('\n');
  });

  it('rejects a 640m model when checking against 320n', async () => {
    const err = await rejection(validateModel(write('m.onnx', buildModel({ size: 640, anchors: 8400 })), entry320));
    expect(err.message).toMatch(/expected input images float32 \[1,3,320,320\] but found images float32 \[1,3,640,640\]/);
  });

  it('verifies a pinned sha256 and says both hashes on mismatch', async () => {
    const p = write('ok.onnx', VALID);
    await expect(validateModel(p, { ...entry320, sha256: sha256(VALID) })).resolves.toMatchObject({ sha256: sha256(VALID) });
    const pinned = 'a'.repeat(64);
    const err = await rejection(validateModel(p, { ...entry320, sha256: pinned }));
    expect(err.message).toContain(`has sha256 ${sha256(VALID)}`);
    expect(err.message).toContain(`expects ${pinned}`);
  });

  it('explains empty, HTML and truncated files in one sentence', async () => {
    const empty = await rejection(validateModel(write('e.onnx', new Uint8Array(0)), entry320));
    expect(empty.message).toMatch(/is empty \(0 bytes\)/);
    const html = await rejection(validateModel(write('h.onnx', GARBAGE), entry320));
    expect(html.message).toMatch(/is not a valid ONNX model .*HTML/);
    const cut = await rejection(validateModel(write('t.onnx', TRUNCATED), entry320));
    expect(cut.message).toMatch(/is not a valid ONNX model/);
    for (const e of [empty, html, cut]) expect(e.message).not.toContain('\n');
  });
});

// ---------------------------------------------------------------- fetchModel

describe('fetchModel over HTTP', () => {
  it('(a) downloads, validates and installs a valid model, with progress', async () => {
    const progress: { received: number; total: number | null }[] = [];
    const r = await fetchModel({ id: '320n', outDir, url: `${base}/valid.onnx`, onProgress: (p: any) => progress.push(p) });
    const dest = path.join(outDir, '320n.onnx');
    expect(r).toMatchObject({ status: 'downloaded', path: dest, sha256: sha256(VALID), bytes: VALID.length });
    expect(r.output).toEqual({ name: 'output0', shape: [1, 22, 2100] });
    expect(fs.readFileSync(dest).equals(Buffer.from(VALID))).toBe(true);
    expect(listOut()).toEqual(['320n.onnx']); // no temp file left
    expect(progress.at(-1)).toEqual({ received: VALID.length, total: VALID.length });
  });

  it('follows redirects like GitHub release downloads', async () => {
    const r = await fetchModel({ id: '320n', outDir, url: `${base}/redirect.onnx` });
    expect(r.status).toBe('downloaded');
    expect(fs.readFileSync(path.join(outDir, '320n.onnx')).length).toBe(VALID.length);
  });

  it('reports bytes without a total when there is no Content-Length', async () => {
    const progress: { received: number; total: number | null }[] = [];
    await fetchModel({ id: '320n', outDir, url: `${base}/chunked.onnx`, onProgress: (p: any) => progress.push(p) });
    expect(progress.at(-1)).toEqual({ received: VALID.length, total: null });
  });

  it('skips a present valid file without downloading, and --force downloads again', async () => {
    await fetchModel({ id: '320n', outDir, url: `${base}/valid.onnx` });
    const before = hits.get('/valid.onnx') ?? 0;
    const skipped = await fetchModel({ id: '320n', outDir, url: `${base}/valid.onnx` });
    expect(skipped.status).toBe('skipped');
    expect(hits.get('/valid.onnx')).toBe(before);
    const forced = await fetchModel({ id: '320n', outDir, url: `${base}/valid.onnx`, force: true });
    expect(forced.status).toBe('downloaded');
    expect(hits.get('/valid.onnx')).toBe(before + 1);
  });

  it('replaces a present file that does not validate', async () => {
    fs.writeFileSync(path.join(outDir, '320n.onnx'), GARBAGE);
    const logs: string[] = [];
    const r = await fetchModel({ id: '320n', outDir, url: `${base}/valid.onnx`, log: (l: string) => logs.push(l) });
    expect(r.status).toBe('downloaded');
    expect(fs.readFileSync(path.join(outDir, '320n.onnx')).equals(Buffer.from(VALID))).toBe(true);
    expect(logs.join('\n')).toMatch(/not a valid ONNX model.*deleted and will be replaced/);
  });

  it('(b) rejects a 404 with the URL and status, leaving no file', async () => {
    const url = `${base}/missing/320n.onnx`;
    const err = await rejection(fetchModel({ id: '320n', outDir, url }));
    expect(err.message).toContain(url);
    expect(err.message).toContain('HTTP 404');
    expect(err.message).not.toContain('\n');
    expect(listOut()).toEqual([]);
  });

  it('(c) rejects a wrong output shape naming expected and found shapes, removing the file', async () => {
    const err = await rejection(fetchModel({ id: '320n', outDir, url: `${base}/wrong-output.onnx` }));
    expect(err.message).toContain('[1,22,2100]');
    expect(err.message).toContain('[1,22,8400]');
    expect(err.message).toContain(`${base}/wrong-output.onnx`);
    expect(err.message).toContain('it was not installed');
    expect(listOut()).toEqual([]);
  });

  it('(d) rejects garbage, truncated and empty downloads, removing the file', async () => {
    const garbage = await rejection(fetchModel({ id: '320n', outDir, url: `${base}/garbage.onnx` }));
    expect(garbage.message).toMatch(/^The file downloaded from http:\/\/127\.0\.0\.1:\d+\/garbage\.onnx is not a valid ONNX model/);
    expect(garbage.message).toContain('HTML');
    const truncated = await rejection(fetchModel({ id: '320n', outDir, url: `${base}/truncated.onnx` }));
    expect(truncated.message).toContain('is not a valid ONNX model');
    const empty = await rejection(fetchModel({ id: '320n', outDir, url: `${base}/empty.onnx` }));
    expect(empty.message).toContain('is empty (0 bytes)');
    for (const e of [garbage, truncated, empty]) expect(e.message).not.toContain('\n');
    expect(listOut()).toEqual([]);
  });

  it('(d) rejects a download cut off mid-stream, removing the partial file', async () => {
    const err = await rejection(fetchModel({ id: '320n', outDir, url: `${base}/cut.onnx` }));
    expect(err.message).toMatch(/^Could not download 320n\.onnx from http:\/\/127\.0\.0\.1:\d+\/cut\.onnx: the download (was interrupted|ended) after 100 B of (\d+) B/);
    expect(err.message).toContain(`of ${VALID.length} B`);
    expect(err.message).toContain('run this command again');
    expect(listOut()).toEqual([]);
  });

  it('(e) explains an unreachable host and how to install the file by hand', async () => {
    const err = await rejection(fetchModel({ id: '320n', outDir, url: refusedUrl }));
    const dest = path.join(outDir, '320n.onnx');
    expect(err.message).toBe(
      `Could not download 320n.onnx from ${refusedUrl}: the connection was refused (ECONNREFUSED ${new URL(refusedUrl).host}); ` +
        `download it on a machine with internet access and copy it to ${dest}, then run this command again to check it ` +
        '(or install a local copy with --file PATH).',
    );
    expect(listOut()).toEqual([]);
  });

  it('(e) says the network is unreachable when the host name does not resolve', async () => {
    // .invalid is reserved (RFC 2606) and never resolves, like github.com when offline.
    const url = 'http://veil-model-fetch.invalid/320n.onnx';
    const err = await rejection(fetchModel({ id: '320n', outDir, url, timeoutMs: 10_000 }));
    expect(err.message).toMatch(
      /^Could not download 320n\.onnx from http:\/\/veil-model-fetch\.invalid\/320n\.onnx: the network is unreachable \((ENOTFOUND|EAI_AGAIN) veil-model-fetch\.invalid\); download it on a machine with internet access/,
    );
    expect(listOut()).toEqual([]);
  });

  it('(e) gives up on a server that never answers', async () => {
    const t0 = Date.now();
    const err = await rejection(fetchModel({ id: '320n', outDir, url: silentUrl, timeoutMs: 300 }));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err.message).toContain(`Could not download 320n.onnx from ${silentUrl}: the server did not respond`);
    expect(listOut()).toEqual([]);
  });

  it('installs a local file with file:, but leaves a bad local file alone', async () => {
    const src = path.join(os.tmpdir(), `veil-local-${process.pid}.onnx`);
    fs.writeFileSync(src, VALID);
    try {
      const r = await fetchModel({ id: '320n', outDir, file: src });
      expect(r.status).toBe('installed');
      expect(listOut()).toEqual(['320n.onnx']);

      fs.writeFileSync(src, WRONG_OUTPUT);
      const err = await rejection(fetchModel({ id: '320n', outDir: path.join(outDir, 'other'), file: src }));
      expect(err.message).toContain(`The file ${src} is not the expected YOLOv8n model`);
      expect(fs.existsSync(src)).toBe(true); // the user's own copy is not deleted
      expect(fs.readdirSync(path.join(outDir, 'other'))).toEqual([]);
    } finally {
      fs.rmSync(src, { force: true });
    }
  });

  it('rejects an unknown id naming the known ones', async () => {
    const err = await rejection(fetchModel({ id: 'toString', outDir }));
    expect(err.message).toContain('Unknown model id "toString"');
    expect(err.message).toContain('320n, 640m');
  });
});

// ---------------------------------------------------------------- CLI

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Asynchronous on purpose: the local server lives in this process.
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', SCRIPT, 'models', ...args], { cwd: REPO_ROOT, env: { ...process.env, DEBUG: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as any).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

describe('CLI (f)', () => {
  it('exits 2 naming the known ids for an unknown id', async () => {
    const r = await runCli(['nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"nope"');
    expect(r.stderr).toContain('320n');
    expect(r.stderr).toContain('640m');
    expect(lines(r.stderr)).toHaveLength(1);
  });

  it('exits 2 with usage listing the ids when no id is given', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Usage:/);
    expect(r.stderr).toMatch(/^ {2}320n\s+NudeNet YOLOv8n/m);
    expect(r.stderr).toMatch(/^ {2}640m\s+NudeNet YOLOv8m/m);
  });

  it('exits 1 with one line and no stack trace on a 404', async () => {
    const url = `${base}/missing/320n.onnx`;
    const r = await runCli(['320n', '--url', url, '--out', outDir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(url);
    expect(r.stderr).toContain('HTTP 404');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(listOut()).toEqual([]);
  });

  it('exits 1 with one line when the host is unreachable', async () => {
    const r = await runCli(['320n', '--url', refusedUrl, '--out', outDir]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^Could not download 320n\.onnx from .*ECONNREFUSED.*run this command again/)]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('downloads, prints the sha256 to pin, and reports progress lines when not a TTY', async () => {
    const r = await runCli(['320n', '--url', `${base}/valid.onnx`, '--out', outDir, '--compress']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Downloaded ${path.join(outDir, '320n.onnx')}`);
    expect(r.stdout).toContain(`sha256 ${sha256(VALID)} (not pinned yet`);
    expect(r.stdout).toContain('images [1,3,320,320] -> output0 [1,22,2100]');
    expect(r.stderr).toContain(`320n.onnx: 100% (${VALID.length} B of ${VALID.length} B)`);
    expect(r.stderr).not.toContain('\r');
    // With its brotli and gzip copies (--compress), and no temporary file left.
    expect(listOut()).toEqual(['320n.onnx', '320n.onnx.br', '320n.onnx.gz']);
    expect(r.stdout).toMatch(/wrote .*320n\.onnx\.br \(\d+ B\) and \.gz \(\d+ B\), for servers that send precompressed files/);

    // Without --compress, the copies of an earlier run go: a server never sends a copy of another file.
    const again = await runCli(['320n', '--url', `${base}/valid.onnx`, '--out', outDir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already present and valid');
    expect(listOut()).toEqual(['320n.onnx']);
  });

  it('exits 1 and removes the file when the download has the wrong shape', async () => {
    const r = await runCli(['320n', '--url', `${base}/wrong-output.onnx`, '--out', outDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/expected output output0 float32 \[1,22,2100\] but found output0 float32 \[1,22,8400\]/);
    expect(listOut()).toEqual([]);
  });
});
