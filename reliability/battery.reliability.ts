/**
 * The input battery and the fault cases, one line each: what is fed in, and the
 * decision or error code a user must get. Then the detector must still serve.
 */
import type { Page } from '@playwright/test';
import { expect, test } from '../test/browser/fixtures.js';
import { modelUrl } from '../test/support/fixture-data.js';
import { recordGroup } from './record.js';

interface Case {
  name: string;
  /** Page-side code returning the promise to settle; `d` is the detector, `bytes(url)` fetches. */
  run: string;
  /** A decision, or an error code. */
  want: string;
  options?: object;
}

const PHOTO = '/test/.cache/images/landscape-640x480.jpg';
const H = '/test/.cache/hostile/';

const INPUTS: Case[] = [
  { name: 'empty bytes', run: `d.detect(new Uint8Array(0))`, want: '4000' },
  { name: 'empty string', run: `d.detect('')`, want: '4000' },
  { name: 'a number', run: `d.detect(42)`, want: '4000' },
  { name: 'text named .jpg', run: `d.detect(new File(['hello'], 'a.jpg', { type: 'image/jpeg' }))`, want: '4002' },
  { name: 'HTML named .jpg', run: `d.detect(new File(['<!doctype html><p>x'], 'a.jpg'))`, want: '4002' },
  { name: 'SVG (refused by default)', run: `d.detect(new Blob(['<svg xmlns="http://www.w3.org/2000/svg"/>']))`, want: '4002' },
  { name: 'HEIC', run: `d.detect(new Uint8Array([0,0,0,24,102,116,121,112,104,101,105,99,0,0,0,0]))`, want: '4002' },
  { name: 'TIFF', run: `d.detect(new Uint8Array([73,73,42,0,8,0,0,0]))`, want: '4002' },
  { name: 'truncated JPEG', run: `bytes('${PHOTO}').then((b) => d.detect(b.slice(0, b.length / 3)))`, want: '4003' },
  { name: 'truncated PNG', run: `bytes('${H}seed.png').then((b) => d.detect(b.slice(0, 120)))`, want: '4003' },
  { name: 'truncated GIF', run: `bytes('${H}seed.gif').then((b) => d.detect(b.slice(0, 40)))`, want: '4003' },
  { name: 'truncated WebP', run: `bytes('${H}seed.webp').then((b) => d.detect(b.slice(0, 60)))`, want: '4003' },
  { name: 'truncated BMP', run: `bytes('${H}seed.bmp').then((b) => d.detect(b.slice(0, 30)))`, want: '4003' },
  { name: 'base64 that is not base64', run: `d.detect('data:image/png;base64,@@@')`, want: '4000' },
  { name: 'data URI whose type lies', run: `bytes('${PHOTO}').then((b) => d.detect('data:image/png;base64,' + btoa(Array.from(b, (x) => String.fromCharCode(x)).join(''))))`, want: 'block' },
  { name: 'URL that 404s', run: `d.detect('/__status/404')`, want: '4005' },
  { name: 'URL that redirects forever', run: `d.detect('/__redirect-loop')`, want: '4005' },
  { name: 'URL that answers slowly', run: `d.detect('/__slow/20000/a.jpg')`, want: '4005', options: { limits: { fetchTimeoutMs: 1000 } } },
  { name: 'pixel bomb (50 MP in 48 KB)', run: `d.detect('${H}bomb.png')`, want: '4004' },
  { name: 'over maxBytes', run: `d.detect(new Blob([new Uint8Array(200_000)]))`, want: '4004', options: { limits: { maxBytes: 150_000 } } },
  { name: 'CMYK JPEG', run: `d.detect('${H}cmyk.jpg')`, want: 'block' },
  { name: '16-bit PNG', run: `d.detect('${H}deep.png')`, want: 'block' },
  { name: 'animated GIF', run: `d.detect('${H}animated.gif')`, want: 'block' },
  { name: 'animated WebP', run: `d.detect('${H}animated.webp')`, want: 'block' },
  { name: 'SVG when allowed', run: `d.detect(new Blob(['<svg xmlns="http://www.w3.org/2000/svg" width="200" height="150"><rect width="200" height="150" fill="gray"/><rect x="20" y="20" width="90" height="70" fill="red"/></svg>']))`, want: 'block', options: { limits: { allowSvg: true } } },
];

const FAULTS: Case[] = [
  { name: 'model URL 404', run: `veil.createDetector({ model: '/public/models/none.onnx', providers: ['wasm'] })`, want: '5010' },
  { name: 'truncated model', run: `bytes('${modelUrl(320)}').then((b) => veil.createDetector({ model: b.slice(0, b.length / 2), providers: ['wasm'] }))`, want: '5010' },
  { name: 'corrupt model', run: `veil.createDetector({ model: new Uint8Array(4096).fill(9), providers: ['wasm'] })`, want: '5010' },
  { name: 'model with the wrong inputs', run: `veil.createDetector({ model: '/public/models/bad-inputs.onnx', providers: ['wasm'] })`, want: '5010' },
  { name: 'dispose during work', run: `(() => { const p = d.detect('${PHOTO}?dispose'); d.dispose(); return p; })()`, want: '4100' },
  { name: 'abort while queued', run: `(() => { const c = new AbortController(); d.detect('${PHOTO}?a1'); const p = d.detect('${PHOTO}?a2', { signal: c.signal }); c.abort(); return p; })()`, want: '4099' },
  { name: 'gateway down', run: `veil.createDetector({ mode: 'remote', remote: { url: 'http://127.0.0.1:9/api', timeoutMs: 3000 } }).then((r) => r.detect('${PHOTO}'))`, want: '5021' },
  { name: 'gateway 5xx', run: `veil.createDetector({ mode: 'remote', remote: { url: '/__status/503', timeoutMs: 5000 } }).then((r) => r.detect('${PHOTO}'))`, want: '5021' },
  { name: 'gateway garbage', run: `veil.createDetector({ mode: 'remote', remote: { url: '/__status/200' } }).then((r) => r.detect('${PHOTO}'))`, want: '5022' },
  { name: 'gateway slow', run: `veil.createDetector({ mode: 'remote', remote: { url: '/__slow/30000/api', timeoutMs: 1500 } }).then((r) => r.detect('${PHOTO}'))`, want: '5021' },
];

async function runCases(page: Page, cases: Case[]) {
  return page.evaluate(
    async ({ cases, model }) => {
      const veil = (window as any).veil;
      const bytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());
      const out: { name: string; got: string; want: string }[] = [];
      for (const c of cases) {
        const d = await veil.createDetector({ model, providers: ['wasm'], ...(c.options ?? {}) });
        const got = await Promise.race([
          new Function('d', 'veil', 'bytes', `return ${c.run}`)(d, veil, bytes).then(
            (r: any) => r?.decision ?? 'resolved',
            (e: any) => (veil.isVeilError(e) ? e.code : `untyped: ${String(e)}`),
          ),
          new Promise((resolve) => setTimeout(() => resolve('hang'), 40_000)),
        ]);
        // And the detector (when not disposed on purpose) still serves.
        const after = c.name === 'dispose during work' ? 'block' : await d.detect('/test/.cache/images/landscape-640x480.jpg?after').then((r: any) => r.decision, () => 'broken');
        d.dispose();
        out.push({ name: c.name, got: after === 'block' ? String(got) : `${got}, then ${after}`, want: c.want });
      }
      return out;
    },
    { cases, model: modelUrl(320) },
  );
}

for (const [group, cases] of [['input-battery', INPUTS], ['faults', FAULTS]] as const) {
  test(`${group}: ${cases.length} cases`, async ({ harness, page }) => {
    await harness.open();
    const results = await runCases(page, cases);
    const failures = results.filter((r) => r.got !== r.want).map((r) => `${r.name}: got ${r.got}, want ${r.want}`);
    recordGroup(group, { tried: cases.length, passed: cases.length - failures.length, failures });
    expect(failures).toEqual([]);
  });
}
