/**
 * The browser matrix: what a page gets from the built library (dist/) in
 * Firefox ESR and in WebKitGTK (Safari's engine), each from Debian's packages,
 * against Chromium in the same run. A focused subset of the Chromium suite, per
 * engine: detection on the fixture photos with Chromium's results, an upload
 * form holding back a blocked file, a feed blurred before its first frame and
 * cleared, a clip in each codec (screened, or refused with 4051 naming the
 * codec), and the demo loading without console errors. Where an engine lacks
 * something Veil uses (ImageDecoder, WebGPU, the SharedArrayBuffer global), the
 * checks say which fallback it took. Each engine's findings go to
 * test-results/engines/<engine>.json (docs/browsers.md is the table of them).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compareDetections, FIXTURE_IMAGES, imageUrl, ROOT, type ReferenceDetection } from '../support/fixture-data.js';
import { startDemoServer, type DemoServer } from '../support/demo-server.js';
import { startServer, type TestServer } from '../support/server.js';
import { startEngine, type Engine, type EngineName } from './drivers.js';

const IMAGES = FIXTURE_IMAGES.filter((i) => i.reference !== false).map((i) => imageUrl(i.name));
/** The clips detectVideo meets, by codec: each blocks from its marked second. */
const CLIPS = [
  { codec: 'VP8', named: /\bvp8\b/, url: '/test/.cache/clips/block-at-3s-vp8.webm', at: 3 },
  { codec: 'VP9', named: /\bvp09\./, url: '/test/.cache/clips/block-at-3s-vp9.webm', at: 3 },
  { codec: 'AV1', named: /\bav01\./, url: '/test/.cache/clips/block-at-1s-av1.webm', at: 1 },
  { codec: 'H.264', named: /\bavc1\./, url: '/test/.cache/clips/block-at-3s-h264.mp4', at: 3 },
];

interface Features {
  userAgent: string;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  worker: { ImageDecoder: boolean; VideoFrameRotation: boolean; VideoDecoder: boolean; OffscreenCanvas2d: boolean; SharedArrayBuffer: boolean; crossOriginIsolated: boolean };
  WebGPU: boolean | null;
  requestVideoFrameCallback: boolean;
  WebLocks: boolean;
  CSSAnchorPositioning: boolean;
}
type Detected = { decision: string; detections: ReferenceDetection[]; decoder: string } | { error: { code: string; message: string } };
interface DetectReport {
  info: { provider: string; threads: number; notes: string[] };
  created_ms: number;
  results: Record<string, Detected>;
}

let server: TestServer;
let demo: DemoServer;
let chromiumDetect: DetectReport;

/**
 * WebDriver classic gives no console (and WebKitGTK's MiniBrowser under
 * WebKitWebDriver prints none), so the demo page gets a first script of its own
 * that keeps what it reports: console.error calls, uncaught errors and
 * rejections, and resources that failed to load. The other engines' drivers
 * hear the console too.
 */
const recordErrors: Plugin = {
  name: 'engines-record-errors',
  transformIndexHtml: () => [
    {
      tag: 'script',
      injectTo: 'head-prepend',
      children: `window.__errors = [];
const logError = console.error.bind(console);
const __errorArg = (a) => (a instanceof Event ? 'Event ' + a.type + ' on ' + String(a.target?.tagName ?? a.target?.constructor?.name) + ' ' + String(a.target?.currentSrc || a.target?.src || a.target?.url || '') : String(a));
console.error = (...args) => { window.__errors.push(args.map(__errorArg).join(' ')); logError(...args); };
addEventListener('error', (e) => window.__errors.push(e.error ? String(e.error) : 'failed to load: ' + String(e.target?.tagName ?? e.target) + ' ' + String(e.target?.currentSrc || e.target?.src || e.target?.href || e.message || e.type)), true);
addEventListener('unhandledrejection', (e) => window.__errors.push('unhandled rejection: ' + String(e.reason)));`,
    },
  ],
};

async function open(engine: Engine) {
  await engine.goto(`${server.url}/test/engines/page.html`);
  await engine.evaluate("new Promise((resolve) => (window.engineCheck ? resolve(true) : addEventListener('engine-checks-ready', () => resolve(true))))");
}

beforeAll(async () => {
  server = await startServer();
  demo = await startDemoServer({ plugins: [recordErrors] });
  const chromium = await startEngine('chromium');
  try {
    await open(chromium);
    chromiumDetect = await chromium.check<DetectReport>('detect', { images: IMAGES });
  } finally {
    await chromium.close();
  }
});

afterAll(async () => {
  await demo?.close();
  await server?.close();
});

for (const name of ['firefox', 'webkit'] as EngineName[]) {
  // Firefox ESR: once in four full runs here, a detector's creation never settled (detect() and detectVideo() each
  // ran into the 120 s timeout, while the other checks in the same page passed). Not understood yet, so each test
  // gets one more try there, and docs/browsers.md says so; a second hang fails. WebKitGTK: once, in a full CI run,
  // the demo's page saw an error event ("failed to load: [object Event]", before the message named the element)
  // and passed when run again; in CI (CI=true) it gets one more try too, until the next occurrence says what failed.
  describe(name, { retry: name === 'firefox' || process.env.CI ? 1 : 0 }, () => {
    let engine: Engine;
    let features: Features;
    const findings: Record<string, unknown> = {};

    beforeAll(async () => {
      const started = performance.now();
      engine = await startEngine(name);
      findings.started_ms = Math.round(performance.now() - started);
      await open(engine);
      features = await engine.check<Features>('features');
      findings.features = features;
    });

    afterAll(async () => {
      await engine?.close();
      mkdirSync(join(ROOT, 'test-results/engines'), { recursive: true });
      writeFileSync(join(ROOT, `test-results/engines/${name}.json`), JSON.stringify(findings, null, 2));
    });

    test('the page is cross-origin isolated, and so is a worker', () => {
      expect(features.crossOriginIsolated).toBe(true);
      expect(features.worker.crossOriginIsolated).toBe(true);
    });

    test('createDetector with the default options, then detect(): the fixture photos give Chromium’s results', async () => {
      const report = await engine.check<DetectReport>('detect', { images: IMAGES });
      findings.detect = report;
      // Threads start with the default options, SharedArrayBuffer global or not (WebKitGTK has none).
      expect(report.info).toMatchObject({ provider: 'wasm', threads: features.hardwareConcurrency });
      // No WebGPU here: Veil says so and runs WASM.
      if (features.WebGPU !== true) expect(report.info.notes).toContainEqual(expect.stringMatching(/^WebGPU skipped: /));
      for (const url of IMAGES) {
        const mine = report.results[url]!;
        const theirs = chromiumDetect.results[url]!;
        expect(mine, url).not.toHaveProperty('error');
        if ('error' in mine || 'error' in theirs) continue;
        expect(mine.decision, url).toBe(theirs.decision);
        const gap = compareDetections(mine.detections, theirs.detections);
        expect(gap.sameClasses, `${url}: ${JSON.stringify(mine.detections)} vs ${JSON.stringify(theirs.detections)}`).toBe(true);
        expect(gap.boxPx, url).toBeLessThanOrEqual(2);
        expect(gap.score, url).toBeLessThanOrEqual(0.02);
        expect(mine.detections.length, `${url} has detections`).toBeGreaterThan(0);
      }
      // Without ImageDecoder, or without VideoFrame's rotation (to undo EXIF), every still goes through
      // createImageBitmap; with both, the JPEG's own planes are read.
      const decoders = IMAGES.map((url) => (report.results[url] as { decoder: string }).decoder);
      findings.decoders = decoders;
      if (features.worker.ImageDecoder && features.worker.VideoFrameRotation) expect(decoders.some((d) => /^(planes|frame)-/.test(d))).toBe(true);
      else expect(decoders.every((d) => /^bitmap/.test(d)), decoders.join(' ')).toBe(true);
    });

    test('screenUploads: a blocked file holds the form back, with the sentence', async () => {
      const r = await engine.check<{ formState: string; valid: boolean; message: string; files: number }>('screenUploads');
      findings.screenUploads = r;
      expect(r).toEqual({ formState: 'block', valid: false, message: '“block.png” cannot be uploaded: it appears to contain nudity. Remove it or choose another image.', files: 2 });
    });

    test('blurOnRender: blurred in the task the image is added and in its first frame; the passed one cleared, the blocked one covered', async () => {
      const r = await engine.check<any>('blurOnRender');
      findings.blurOnRender = r;
      expect(r).toEqual({
        sameTask: 'blur(24px)',
        firstFrame: 'blur(24px)',
        pass: { state: 'pass', filter: 'none', shown: 'blob:', loaded: 320 },
        block: { state: 'block', filter: 'blur(24px)' },
        covers: 1,
      });
    });

    test('detectVideo: each codec screened to its blocking second, or refused with 4051 naming it', async () => {
      const byCodec: Record<string, unknown> = {};
      for (const clip of CLIPS) {
        const r = await engine.check<any>('detectVideo', { clip: clip.url });
        byCodec[clip.codec] = r;
        if (r.error) {
          expect(r.error.code, `${clip.codec}: ${r.error.message}`).toBe('4051');
          expect(r.error.message).toMatch(features.worker.VideoDecoder ? clip.named : /VideoDecoder|WebCodecs/);
        } else {
          expect(r, clip.codec).toMatchObject({ decision: 'block', decided_at_s: clip.at });
        }
      }
      findings.detectVideo = byCodec;
      // The advice names the formats this engine decoded, and none it refused.
      const decoded = CLIPS.filter((c) => !(byCodec[c.codec] as any).error).map((c) => c.codec);
      for (const clip of CLIPS) {
        const error = (byCodec[clip.codec] as any).error;
        if (!error) continue;
        const advised = [...error.message.matchAll(/(VP8|VP9|AV1|H\.264) in (WebM|MP4)/g)].map((m) => m[1]);
        expect(advised.sort(), error.message).toEqual([...decoded].sort());
      }
      // At least one codec works where there is a VideoDecoder.
      if (features.worker.VideoDecoder) expect(Object.values(byCodec).some((r: any) => !r.error)).toBe(true);
    });

    test('the demo loads, its model ready, with no console error', async () => {
      engine.takeConsoleErrors();
      await engine.goto(`${demo.url}?model=test`);
      const title = await engine.evaluate<string>(
        `new Promise((resolve) => { const end = Date.now() + 60000; const poll = () => { const t = document.querySelector('#model-title')?.textContent ?? ''; if (/^Ready|failed|could not/i.test(t) || Date.now() > end) resolve(t); else setTimeout(poll, 50); }; poll(); })`,
      );
      const errors = [...engine.takeConsoleErrors(), ...(await engine.evaluate<string[]>('window.__errors'))];
      findings.demo = { title, errors };
      expect(title).toMatch(/^Ready: Veil's test model on WASM, \d+ threads?/);
      expect(errors).toEqual([]);
    });
  });
}
