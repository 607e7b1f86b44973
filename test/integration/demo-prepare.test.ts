/**
 * `npm start`'s first step: NudeNet's 320n is downloaded with model:fetch where
 * the machine is online, and offline the demo says so in one line and goes on.
 * A loopback server stands in for the release host.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module without types
import { fetchNudeNet } from '../../demo/prepare.mjs';

const FIXTURE = fileURLToPath(new URL('../../public/models/veil-fixture-320.onnx', import.meta.url));
type Fetched = { ok: boolean; line: string };

describe('npm start: NudeNet first', () => {
  it('offline: one line saying why, and the demo goes on with the classifier', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veil-start-'));
    const { ok, line } = (await fetchNudeNet(dir, { url: 'http://127.0.0.1:9/320n.onnx' })) as Fetched;
    expect(ok).toBe(false);
    expect(line).toMatch(/^demo: NudeNet's weights could not be downloaded \(Could not download 320n\.onnx from http:\/\/127\.0\.0\.1:9\/320n\.onnx: .+\); the demo runs the classifier alone$/);
    expect(line.split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, '320n.onnx'))).toBe(false);
  });

  it('online: the model is downloaded, checked and installed', async () => {
    const bytes = readFileSync(FIXTURE);
    const server = createServer((req, res) => {
      if (req.url !== '/320n.onnx') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': bytes.length, 'content-type': 'application/octet-stream' }).end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const dir = mkdtempSync(join(tmpdir(), 'veil-start-'));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/320n.onnx`;
      const { ok, line } = (await fetchNudeNet(dir, { url })) as Fetched;
      expect(line).toBe("demo: NudeNet's 320n ready in public/models (the demo runs it beside the classifier)");
      expect(ok).toBe(true);
      expect(readFileSync(join(dir, '320n.onnx')).equals(bytes)).toBe(true);
    } finally {
      server.close();
    }
  });
});
