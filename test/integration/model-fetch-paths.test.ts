/**
 * An untrusted TF.js model.json must not make the converter read files outside
 * its folder or fetch other addresses: weight paths that are absolute, climb
 * with "..", or name another origin are refused before anything is read, in
 * one sentence that shows nothing of what they point at.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTfjsFromPath, readTfjsFromUrl } from '../../scripts/model-fetch/tfjs/artifacts.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'veil-tfjs-paths-'));
const SECRET = 'top-secret-file-contents';
fs.mkdirSync(path.join(root, 'outside'));
fs.writeFileSync(path.join(root, 'outside', 'secret.txt'), SECRET);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A model folder whose one weight, dense/kernel (4 float32s, 16 bytes), lives at `weightPath`. */
function modelWith(weightPath: string): string {
  const dir = fs.mkdtempSync(path.join(root, 'model-'));
  const json = { modelTopology: {}, weightsManifest: [{ paths: [weightPath], weights: [{ name: 'dense/kernel', shape: [4], dtype: 'float32' }] }] };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), Buffer.alloc(16));
  return dir;
}

async function refusal(run: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run();
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
  throw new Error('expected a refusal');
}

describe('weight paths in model.json', () => {
  it('reads a model whose shards sit beside model.json', async () => {
    const artifacts = await readTfjsFromPath(modelWith('group1-shard1of1.bin'));
    expect(artifacts.weightData.length).toBe(16);
  });

  const secret = path.join(root, 'outside', 'secret.txt');
  it.each([
    ['a ".." path', '../outside/secret.txt'],
    ['a ".." path inside', 'a/../../outside/secret.txt'],
    ['an absolute path', secret],
    ['a Windows absolute path', 'C:\\outside\\secret.txt'],
    ['a file: URL', `file://${secret}`],
    ['another origin', 'http://169.254.169.254/latest/meta-data'],
    ['a host-relative URL', '//169.254.169.254/latest'],
  ])('refuses %s, saying nothing of the file it names', async (_, weightPath) => {
    const { code, message } = await refusal(() => readTfjsFromPath(modelWith(weightPath)));
    expect(code).toBe('unsafe-path');
    expect(message).toMatch(/weight path 1 of 1 is absolute, climbs out of the model's folder with "\.\.", or names another origin\.$/);
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('outside');
    expect(message).not.toContain('169.254');
  });

  it('from a URL, fetches nothing from another origin', async () => {
    const other: string[] = [];
    const elsewhere = http.createServer((req, res) => (other.push(req.url ?? ''), res.end('x'))).listen(0, '127.0.0.1');
    await new Promise((resolve) => elsewhere.once('listening', resolve));
    const json = JSON.stringify({
      modelTopology: {},
      weightsManifest: [{ paths: [`http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/internal`], weights: [] }],
    });
    const host = http.createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(json)).listen(0, '127.0.0.1');
    await new Promise((resolve) => host.once('listening', resolve));
    try {
      const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}/model.json`;
      const { code } = await refusal(() => readTfjsFromUrl(url, { dest: path.join(root, 'out.onnx'), log: () => undefined, timeoutMs: 5000 }));
      expect(code).toBe('unsafe-path');
      expect(other).toEqual([]);
    } finally {
      host.close();
      elsewhere.close();
    }
  });
});
