/**
 * detectVideo() on clips ffmpeg made from the fixture model's colour patches
 * (test/fixtures/clips.mjs): a red patch blocks from a known second, so where
 * the scan stops, which frame decides and how many frames were screened are
 * all known; every refused file gives its own code, and the detector screens
 * an image afterwards.
 */
import { imageUrl, modelUrl } from '../support/fixture-data.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const clip = (name: string) => `/test/.cache/clips/${name}`;
/** A photo with a red patch: detect() blocks it. */
const PHOTO = imageUrl('landscape-640x480.jpg');

/** Runs detectVideo() in the page on each named clip (fetched into a File) with the given options; gives results or errors and every onFrame call. */
async function screenClips(page: import('@playwright/test').Page, runs: { name: string; as?: string; type?: string; options?: object; abortAfter?: number }[], detectorOptions: object = {}) {
  return page.evaluate(
    async ({ runs, model, photo, detectorOptions }) => {
      const { createDetector } = (window as any).veil;
      const detector = await createDetector({ model, providers: ['wasm'], ...detectorOptions });
      const out: any[] = [];
      for (const run of runs) {
        const bytes = await (await fetch(run.name)).arrayBuffer();
        const file = new File([bytes], run.as ?? run.name.split('/').pop()!, { type: run.type ?? '' });
        const heard: any[] = [];
        const controller = new AbortController();
        const entry: any = { heard };
        try {
          const result = await detector.detectVideo(file, {
            ...run.options,
            signal: controller.signal,
            onFrame(frame: any) {
              heard.push(frame);
              if (run.abortAfter && heard.length === run.abortAfter) controller.abort();
            },
          });
          entry.result = result;
        } catch (error: any) {
          entry.error = { code: error.code, message: error.message, name: error.name };
        }
        // The detector keeps serving: an image right after each clip.
        entry.image = (await detector.detect(photo)).decision;
        out.push(entry);
      }
      detector.dispose();
      return out;
    },
    { runs, model: modelUrl(320), photo: PHOTO, detectorOptions },
  );
}

test('a WebM, VP9 and H.264 clip each stop at the first blocking frame, with the clip described', async ({ harness, page }) => {
  await harness.open();
  const names = ['block-at-3s-vp8.webm', 'block-at-3s-vp9.webm', 'block-at-3s-h264.mp4'];
  const runs = await screenClips(page, names.map((name) => ({ name: clip(name) })));
  const [vp8, vp9, h264] = runs;
  for (const [i, run] of [vp8, vp9, h264].entries()) {
    const label = names[i]!;
    if (label.endsWith('.mp4') && run.error) {
      // A Chromium built without H.264 says so with its own code.
      expect(run.error.code, label).toBe('4051');
      expect(run.error.message).toContain('avc1');
      continue;
    }
    expect(run.error, label).toBeUndefined();
    const { result, heard } = run;
    expect(result.decision, label).toBe('block');
    expect(result.detections.map((d: any) => d.cls).sort(), label).toEqual(['FACE_FEMALE', 'FEMALE_BREAST_EXPOSED']);
    // Red shows from 3 s to 3.9 s: the 1-second samples are 0, 1, 2, 3, and the scan stops at 3.
    expect(result.video.frames_scanned, label).toBe(4);
    expect(result.video.decided_at_s, label).toBeGreaterThanOrEqual(2.9);
    expect(result.video.decided_at_s, label).toBeLessThan(4);
    expect(result.video.frames.map((f: any) => f.decision), label).toEqual(['pass', 'pass', 'pass', 'block']);
    expect(result.video.frames.map((f: any) => f.detections), label).toEqual([1, 1, 1, 2]);
    expect(result.video.duration_s, label).toBeCloseTo(6, 0);
    expect(heard.map((f: any) => f.index), label).toEqual([0, 1, 2, 3]);
    expect(heard.map(({ index: _, ...f }: any) => f), label).toEqual(result.video.frames);
    expect(result.input, label).toMatchObject({ type: 'file', source: label, mime: label.endsWith('.mp4') ? 'video/mp4' : 'video/webm' });
    expect(result.input.sha256, label).toMatch(/^[0-9a-f]{64}$/);
    expect(run.image, label).toBe('block');
  }
  expect(vp8.result.video).toMatchObject({ width: 320, height: 240, mime: 'video/webm', codec: 'vp8' });
  expect(vp9.result.video).toMatchObject({ width: 320, height: 180, mime: 'video/webm' });
  expect(vp9.result.video.codec).toMatch(/^vp09\./);
  if (!h264.error) expect(h264.result.video).toMatchObject({ width: 352, height: 288, mime: 'video/mp4' });
});

test('the last frame is always sampled; stopAt null scans everything; maxFrames spreads the samples; AV1 where the browser decodes it', async ({ harness, page }) => {
  await harness.open();
  const [end, all, spread, av1] = await screenClips(page, [
    { name: clip('block-at-end-vp8.webm') },
    { name: clip('block-at-3s-vp8.webm'), options: { stopAt: null } },
    { name: clip('clean-20s-vp8.webm'), options: { maxFrames: 5 } },
    { name: clip('block-at-1s-av1.webm'), options: { everySeconds: 0.5 } },
  ]);
  // Red only in the last 0.2 s of 5: samples at 0..4 s miss it, the last frame shows it.
  expect(end.result.decision).toBe('block');
  expect(end.result.video.frames_scanned).toBe(6);
  expect(end.result.video.decided_at_s).toBeGreaterThan(4.8);

  // Every sample: 0..5 s and the last frame; the deciding frame is the first that blocked.
  expect(all.result.video.frames_scanned).toBe(7);
  expect(all.result.video.frames.map((f: any) => f.decision)).toEqual(['pass', 'pass', 'pass', 'block', 'pass', 'pass', 'pass']);
  expect(all.result.decision).toBe('block');
  expect(all.result.video.decided_at_s).toBeCloseTo(3, 0);

  // 20 s at 1 s would be 21 samples: 5 spread from the first frame to the last.
  expect(spread.result.decision).toBe('pass');
  expect(spread.result.video.frames_scanned).toBe(5);
  const times = spread.result.video.frames.map((f: any) => f.time_s);
  expect(times[0]).toBe(0);
  expect(times[4]).toBeGreaterThan(19.5);
  expect(times[2]).toBeCloseTo(10, 0);
  expect(spread.result.notes.join(' ')).toContain('maxFrames');

  if (av1.error) {
    expect(av1.error.code).toBe('4051');
  } else {
    expect(av1.result.decision).toBe('block');
    expect(av1.result.video.codec).toMatch(/^av01\./);
    expect(av1.result.video.decided_at_s).toBeCloseTo(1, 0);
  }
});

test('aborting part way rejects with 4099 and stops the scan; the detector serves an image after', async ({ harness, page }) => {
  await harness.open();
  const [run] = await screenClips(page, [{ name: clip('clean-20s-vp8.webm'), options: { stopAt: null, everySeconds: 0.5 }, abortAfter: 3 }]);
  expect(run.error.code).toBe('4099');
  // The scan stopped: nowhere near the 41 planned frames were screened.
  expect(run.heard.length).toBeGreaterThanOrEqual(3);
  expect(run.heard.length).toBeLessThan(10);
  expect(run.image).toBe('block');
});

test('each kind of bad clip is refused with its own code, and the detector serves an image after each', async ({ harness, page }) => {
  await harness.open();
  const cases = [
    { name: clip('audio-only.webm'), code: '4052', says: 'only audio' },
    { name: clip('empty.webm'), code: '4053', says: 'empty' },
    { name: clip('truncated.mp4'), code: '4054', says: 'truncated or corrupt' },
    { name: clip('corrupt.webm'), code: '4054', says: 'truncated or corrupt' },
    { name: clip('photo.mp4'), type: 'video/mp4', code: '4050', says: 'an image (image/jpeg), not a video clip' },
  ];
  const runs = await screenClips(page, [...cases, { name: clip('block-at-3s-vp8.webm'), options: { everySeconds: 0 } }]);
  for (const [i, expected] of cases.entries()) {
    expect(runs[i].error, expected.name).toMatchObject({ name: 'VeilError', code: expected.code });
    expect(runs[i].error.message, expected.name).toContain(expected.says);
    expect(runs[i].image, expected.name).toBe('block');
  }
  expect(runs[cases.length].error).toMatchObject({ code: '4001' });
  expect(runs[cases.length].error.message).toContain('everySeconds');
});

test('a WebM named .mp4 is read as WebM with a note; limits refuse large and long clips with 4004', async ({ harness, page }) => {
  await harness.open();
  const [lying] = await screenClips(page, [{ name: clip('webm-named.mp4'), type: 'video/mp4' }]);
  expect(lying.result.decision).toBe('block');
  expect(lying.result.input).toMatchObject({ source: 'webm-named.mp4', mime: 'video/webm' });
  expect(lying.result.notes).toContain('The input says it is video/mp4 but its bytes are video/webm; it was read as video/webm.');

  const [bytes] = await screenClips(page, [{ name: clip('block-at-3s-vp8.webm') }], { limits: { maxVideoBytes: 1000 } });
  expect(bytes.error.code).toBe('4004');
  expect(bytes.error.message).toContain('limits.maxVideoBytes');
  const [seconds] = await screenClips(page, [{ name: clip('clean-20s-vp8.webm') }], { limits: { maxVideoSeconds: 10 } });
  expect(seconds.error.code).toBe('4004');
  expect(seconds.error.message).toContain('limits.maxVideoSeconds');
  expect(seconds.image).toBe('block');
});

test('a <video> is read from its source, by URL too; a live stream points to watchVideo', async ({ harness, page }) => {
  await harness.open();
  const out = await page.evaluate(
    async ({ model, src }) => {
      const { createDetector } = (window as any).veil;
      const detector = await createDetector({ model, providers: ['wasm'] });
      const video = document.createElement('video');
      video.src = src;
      video.muted = true;
      document.body.append(video);
      await new Promise((resolve) => video.addEventListener('loadedmetadata', resolve, { once: true }));
      const fromElement = await detector.detectVideo(video);
      const fromUrl = await detector.detectVideo(src, { stopAt: 'review', everySeconds: 2 });
      const canvas = document.createElement('canvas');
      canvas.getContext('2d');
      const live = document.createElement('video');
      live.srcObject = canvas.captureStream();
      const error = await detector.detectVideo(live).catch((e: any) => ({ code: e.code, message: e.message }));
      detector.dispose();
      return {
        element: { decision: fromElement.decision, input: fromElement.input, at: fromElement.video.decided_at_s },
        url: { decision: fromUrl.decision, input: fromUrl.input, scanned: fromUrl.video.frames_scanned },
        error,
      };
    },
    { model: modelUrl(320), src: clip('block-at-3s-vp8.webm') },
  );
  expect(out.element).toMatchObject({ decision: 'block', input: { type: 'video', mime: 'video/webm' } });
  expect(out.element.input.source).toMatch(/\/test\/\.cache\/clips\/block-at-3s-vp8\.webm$/);
  expect(out.element.at).toBeCloseTo(3, 0);
  // Every 2 s: 0, 2, 4 and the last frame, all outside the red's 3 to 3.9 s: a pass.
  expect(out.url).toMatchObject({ decision: 'pass', input: { type: 'url', mime: 'video/webm' }, scanned: 4 });
  expect(out.error.code).toBe('4000');
  expect(out.error.message).toContain('watchVideo');
});
