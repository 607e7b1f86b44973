/**
 * Every input kind detect() accepts gives the same detections, with the gateway's
 * `input` block filled in truthfully; concurrent calls never mix up results.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { imagePath, imageUrl, modelUrl } from '../support/fixture-data.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const PHOTO = 'landscape-640x480.jpg';
const sha256 = (name: string) => createHash('sha256').update(readFileSync(imagePath(name))).digest('hex');

test('every input kind gives the same detections and a truthful input block', async ({ harness, page, consoleErrors }) => {
  await harness.open();
  const results = await page.evaluate(
    async ({ model, url }) => {
      const { createDetector } = (window as any).veil;
      const detector = await createDetector({ model, providers: ['wasm'] });
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const blob = new Blob([bytes], { type: 'image/jpeg' });
      const base64 = btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));

      const img = new Image();
      img.src = url;
      await img.decode();
      const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none' });
      const canvas = document.createElement('canvas');
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
      const offscreen = new OffscreenCanvas(bitmap.width, bitmap.height);
      offscreen.getContext('2d')!.drawImage(bitmap, 0, 0);
      const imageData = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      // A view into a larger buffer: only the viewed bytes are the image.
      const padded = new Uint8Array(bytes.length + 100);
      padded.set(bytes, 50);

      const inputs: Record<string, unknown> = {
        file: new File([bytes], 'holiday.jpg', { type: 'image/jpeg' }),
        blob,
        arraybuffer: bytes.buffer.slice(0),
        uint8view: padded.subarray(50, 50 + bytes.length),
        url,
        absoluteUrl: new URL(url, location.href).href,
        base64,
        dataUri: `data:image/jpeg;base64,${base64}`,
        img,
        canvas,
        offscreen,
        bitmap,
        imageData,
      };
      const out: Record<string, any> = {};
      for (const [kind, input] of Object.entries(inputs)) {
        const r = await detector.detect(input);
        out[kind] = { input: r.input, detections: r.detections, decision: r.decision, notes: r.notes };
      }
      out.callerBitmapStillOpen = bitmap.width > 0;
      detector.dispose();
      return out;
    },
    { model: modelUrl(320), url: imageUrl(PHOTO) },
  );

  const hash = sha256(PHOTO);
  const size = readFileSync(imagePath(PHOTO)).length;
  const file = { size_bytes: size, sha256: hash, mime: 'image/jpeg', width: 640, height: 480 };
  expect(results.file.input).toEqual({ type: 'file', source: 'holiday.jpg', ...file });
  expect(results.blob.input).toEqual({ type: 'blob', source: 'blob', ...file });
  expect(results.arraybuffer.input).toEqual({ type: 'bytes', source: 'bytes', ...file });
  expect(results.uint8view.input).toEqual({ type: 'bytes', source: 'bytes', ...file });
  expect(results.url.input).toMatchObject({ type: 'url', ...file });
  expect(results.url.input.source).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/test\/\.cache\/images\/landscape-640x480\.jpg$/);
  expect(results.absoluteUrl.input).toMatchObject({ type: 'url', ...file });
  expect(results.base64.input).toEqual({ type: 'base64', source: 'base64', ...file });
  expect(results.dataUri.input).toEqual({ type: 'base64', source: 'data:image/jpeg;base64,', ...file });
  expect(results.img.input).toMatchObject({ type: 'image', ...file });
  // Pixel inputs have no file: their RGBA bytes are hashed and counted.
  for (const kind of ['canvas', 'offscreen', 'bitmap', 'imageData']) {
    expect(results[kind].input, kind).toMatchObject({ mime: null, width: 640, height: 480, size_bytes: 640 * 480 * 4 });
    expect(results[kind].input.sha256, kind).toMatch(/^[0-9a-f]{64}$/);
  }
  expect(results.canvas.input.sha256).toBe(results.imageData.input.sha256);
  expect(results.callerBitmapStillOpen).toBe(true);

  const reference = JSON.stringify(results.file.detections);
  expect(results.file.detections.map((d: { cls: string }) => d.cls)).toEqual(['FEMALE_BREAST_EXPOSED', 'FACE_FEMALE', 'ANUS_EXPOSED']);
  for (const [kind, r] of Object.entries(results)) {
    if (typeof r === 'object') expect(JSON.stringify(r.detections), kind).toBe(reference);
  }
  expect(consoleErrors).toEqual([]);
});

test('a video is read at its current frame', async ({ harness, page }) => {
  await harness.open();
  const result = await page.evaluate(async (model) => {
    const { createDetector } = (window as any).veil;
    // Record a short clip of a canvas with a red patch, then play it back.
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const ctx = canvas.getContext('2d')!;
    const paint = () => {
      ctx.fillStyle = 'rgb(110,110,120)';
      ctx.fillRect(0, 0, 320, 240);
      ctx.fillStyle = 'rgb(255,0,0)';
      ctx.fillRect(40, 40, 120, 100);
    };
    paint();
    const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: 'video/webm' });
    const chunks: Blob[] = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    const stopped = new Promise((resolve) => (recorder.onstop = resolve));
    recorder.start();
    const timer = setInterval(paint, 30);
    await new Promise((resolve) => setTimeout(resolve, 600));
    recorder.stop();
    clearInterval(timer);
    await stopped;
    const video = document.createElement('video');
    video.muted = true;
    video.src = URL.createObjectURL(new Blob(chunks, { type: 'video/webm' }));
    await new Promise((resolve, reject) => {
      video.onloadeddata = resolve;
      video.onerror = () => reject(new Error('video did not load'));
    });
    const detector = await createDetector({ model, providers: ['wasm'] });
    const r = await detector.detect(video);
    detector.dispose();
    return r;
  }, modelUrl(320));
  expect(result.input).toMatchObject({ type: 'video', mime: null, width: 320, height: 240 });
  const red = result.detections.find((d: { cls: string }) => d.cls === 'FEMALE_BREAST_EXPOSED');
  expect(red, JSON.stringify(result.detections)).toBeTruthy();
  // A lossy VP8 frame: edges blur by a few pixels.
  red.box.forEach((v: number, k: number) => expect(Math.abs(v - [40, 40, 120, 100][k]!)).toBeLessThanOrEqual(4));
});

test('the type comes from the bytes, not the name: a PNG named .jpg is read as PNG and noted', async ({ harness, page }) => {
  await harness.open();
  const result = await page.evaluate(
    async ({ model, url }) => {
      const { createDetector } = (window as any).veil;
      const detector = await createDetector({ model, providers: ['wasm'] });
      const bytes = await (await fetch(url)).arrayBuffer();
      const r = await detector.detect(new File([bytes], 'photo.jpg', { type: 'image/jpeg' }));
      detector.dispose();
      return r;
    },
    { model: modelUrl(320), url: imageUrl('portrait-480x640.png') },
  );
  expect(result.input).toMatchObject({ type: 'file', source: 'photo.jpg', mime: 'image/png', width: 480, height: 640 });
  expect(result.notes).toContain('The input says it is image/jpeg but its bytes are image/png; it was read as image/png.');
});

test('concurrent calls queue in the worker and each gets its own result', async ({ harness, page }) => {
  await harness.open();
  const names = ['landscape-640x480.jpg', 'portrait-480x640.png', 'square-500x500.webp', 'odd-pad-333x500.jpg', 'bitmap-300x200.bmp'];
  const results = await page.evaluate(
    async ({ model, urls }) => {
      const { createDetector } = (window as any).veil;
      const detector = await createDetector({ model, providers: ['wasm'] });
      const files = await Promise.all(urls.map(async (u) => new Blob([await (await fetch(u)).arrayBuffer()])));
      // 20 calls at once, in a shuffled order of the five photos.
      const order = Array.from({ length: 20 }, (_, i) => (i * 3) % files.length);
      const all = await Promise.all(order.map((i) => detector.detect(files[i]).then((r: any) => ({ i, sha256: r.input.sha256, classes: r.detections.map((d: any) => d.cls) }))));
      detector.dispose();
      return all;
    },
    { model: modelUrl(320), urls: names.map(imageUrl) },
  );
  expect(results).toHaveLength(20);
  const firstClasses: Record<number, string> = {};
  for (const r of results) {
    expect(r.sha256, `call for ${names[r.i]}`).toBe(sha256(names[r.i]!));
    firstClasses[r.i] ??= JSON.stringify(r.classes);
    expect(JSON.stringify(r.classes)).toBe(firstClasses[r.i]);
  }
  expect(new Set(Object.values(firstClasses)).size).toBe(5);
});

test('calls read ahead of their turn still meet the result cache: the same photo three times at once is screened once', async ({ harness, page }) => {
  await harness.open();
  const r = await page.evaluate(
    async ({ model, urls }) => {
      const { createDetector } = (window as any).veil;
      const detector = await createDetector({ model, providers: ['wasm'] });
      const [a, b] = await Promise.all(urls.map(async (u: string) => new Blob([await (await fetch(u)).arrayBuffer()])));
      const all = await Promise.all([a, a, a, b].map((file) => detector.detect(file)));
      detector.dispose();
      return all.map((x: any) => ({ cached: x.notes.some((n: string) => n.startsWith('Answered from the cache')), timed: 'timings' in x, classes: x.detections.map((d: any) => d.cls) }));
    },
    { model: modelUrl(320), urls: [imageUrl('landscape-640x480.jpg'), imageUrl('portrait-480x640.png')] },
  );
  expect(r.map((x) => x.cached)).toEqual([false, true, true, false]);
  expect(r.map((x) => x.timed)).toEqual([true, false, false, true]);
  expect(r[1]!.classes).toEqual(r[0]!.classes);
  expect(r[2]!.classes).toEqual(r[0]!.classes);
});
