// @ts-check
/**
 * detectVideo() in the benchmark: a 60 s 1280x720 H.264 clip (ffmpeg, into
 * bench/.cache/clips; the fixture model's red patch from 20 s to 21 s) screened
 * at one frame a second (61 samples, spread to maxFrames' 60), with stopAt null
 * and with the early stop (the scan ends at the red patch), taken in turns so
 * all meet the same load. The clip is flat colour: it decodes faster than footage.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { encodeClip } from '../../test/fixtures/clips.mjs';
import { ROOT } from './server.mjs';
import { median, round } from './stats.mjs';

export const VIDEO_CLIP = { name: 'video-60s-720p-h264.mp4', codec: /** @type {const} */ ('h264'), width: 1280, height: 720, fps: 25, seconds: 60, red: /** @type {[number, number]} */ ([20, 21]) };

/** Encodes the clip once (a few seconds); kept in bench/.cache/clips. */
export function prepareVideoClip() {
  const dir = join(ROOT, 'bench/.cache/clips');
  const path = join(dir, VIDEO_CLIP.name);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    encodeClip(path, VIDEO_CLIP);
  }
  return { ...VIDEO_CLIP, path, url: `/bench/.cache/clips/${VIDEO_CLIP.name}`, bytes: statSync(path).size };
}

/**
 * Every variant in turns, `rounds` times: the benchmark's model with stopAt null
 * (what a whole scan costs on a NudeNet-shaped network), and the fixture model,
 * which sees the red patch, with stopAt null and with the early stop.
 * @param {import('@playwright/test').Page} page  a page of the bench server (the built library at /dist/index.js)
 * @param {{ model: { url: string, name: string }, threads: number, clip: ReturnType<typeof prepareVideoClip>, rounds: number, log: (m: string) => void }} o
 */
export async function measureVideo(page, o) {
  const variants = [
    { key: 'stop_at_null', model: o.model, stopAt: null },
    { key: 'fixture_stop_at_null', model: { name: 'veil-fixture-320', url: '/public/models/veil-fixture-320.onnx' }, stopAt: null },
    { key: 'fixture_stop_at_block', model: { name: 'veil-fixture-320', url: '/public/models/veil-fixture-320.onnx' }, stopAt: 'block' },
  ];
  o.log(`video: ${o.clip.name} (${(o.clip.bytes / 1e6).toFixed(2)} MB), ${o.model.name} and veil-fixture-320, ${o.threads} threads, ${o.rounds} rounds`);
  await page.evaluate(
    async ({ models, threads, url }) => {
      const veil = await import(/* @vite-ignore */ '/dist/index.js');
      const w = /** @type {any} */ (window);
      w.videoClip = await (await fetch(url)).blob();
      w.videoDetectors = {};
      for (const model of models) {
        w.videoDetectors[model] = await veil.createDetector({ model, providers: ['wasm'], threads, cache: false });
        await w.videoDetectors[model].detectVideo(w.videoClip, { maxFrames: 2 }); // warm: mediabunny loaded, decoder and session used
      }
    },
    { models: [...new Set(variants.map((v) => v.model.url))], threads: o.threads, url: o.clip.url },
  );
  /** @type {Record<string, { ms: number[], last: any }>} */
  const runs = Object.fromEntries(variants.map((v) => [v.key, { ms: [], last: null }]));
  for (let turn = 0; turn < o.rounds; turn++) {
    for (const v of variants) {
      const r = await page.evaluate(async ({ model, stopAt }) => {
        const w = /** @type {any} */ (window);
        const started = performance.now();
        const result = await w.videoDetectors[model].detectVideo(w.videoClip, { everySeconds: 1, stopAt });
        return { ms: performance.now() - started, frames: result.video.frames_scanned, decided_at_s: result.video.decided_at_s, decision: result.decision, timings: result.timings };
      }, { model: v.model.url, stopAt: v.stopAt });
      runs[v.key].ms.push(r.ms);
      runs[v.key].last = r;
    }
  }
  await page.evaluate(() => Object.values(/** @type {any} */ (window).videoDetectors).forEach((d) => /** @type {any} */ (d).dispose()));
  const figure = (/** @type {typeof variants[number]} */ v) => {
    const { ms, last } = runs[v.key];
    return {
      model: v.model.name,
      stop_at: v.stopAt,
      p50_ms: round(median(ms)),
      frames_scanned: last.frames,
      per_frame_ms: round(median(ms) / last.frames),
      decision: last.decision,
      decided_at_s: last.decided_at_s,
      samples_ms: ms.map(round),
      last_timings: last.timings,
    };
  };
  return {
    clip: { name: o.clip.name, bytes: o.clip.bytes, seconds: o.clip.seconds, width: o.clip.width, height: o.clip.height, red_s: o.clip.red },
    every_seconds: 1,
    ...Object.fromEntries(variants.map((v) => [v.key, figure(v)])),
  };
}

/** The lines printed for the section. @param {Awaited<ReturnType<typeof measureVideo>> & { watch?: Awaited<ReturnType<typeof measureWatch>> }} v */
export function videoLines(v) {
  const line = (/** @type {string} */ label, /** @type {any} */ f) => `  ${label}: ${f.p50_ms} ms p50 for ${f.frames_scanned} frames (${f.per_frame_ms} ms a frame), ${f.decision} at ${f.decided_at_s} s`;
  return [
    `detectVideo, ${v.clip.seconds} s ${v.clip.width}x${v.clip.height} H.264 clip at 1 frame a second (maxFrames 60), red patch from ${v.clip.red_s[0]} s:`,
    line(`${v.stop_at_null.model}, stopAt null`, v.stop_at_null),
    line(`${v.fixture_stop_at_null.model}, stopAt null`, v.fixture_stop_at_null),
    line(`${v.fixture_stop_at_block.model}, stopAt block`, v.fixture_stop_at_block),
    ...(v.watch
      ? [`watchVideo on the clip playing at 720p, ${v.watch.model.split('/').pop()}: ${v.watch.sustained_fps} frames screened a second sustained (fps ${v.watch.fps_asked} asked, ${v.watch.screened} in ${v.watch.seconds} s), ${v.watch.long_tasks} main-thread tasks over 50 ms`]
      : []),
  ];
}

/**
 * watchVideo() on the same clip playing in a <video> (720p H.264, muted, looped):
 * with `fps` far above what the machine sustains, frames are dropped while one is
 * screened, so the screenings counted over `seconds` are the sustained rate; a
 * `longtask` observer counts main-thread tasks over 50 ms meanwhile.
 * @param {import('@playwright/test').Page} page
 * @param {{ model: { url: string, name: string }, threads: number, clip: ReturnType<typeof prepareVideoClip>, seconds: number, log: (m: string) => void }} o
 */
export async function measureWatch(page, o) {
  o.log(`watchVideo: ${o.clip.name} playing, ${o.model.name}, fps 30 asked, ${o.seconds} s`);
  return page.evaluate(
    async ({ model, threads, url, seconds }) => {
      const veil = await import(/* @vite-ignore */ '/dist/index.js');
      const detector = await veil.createDetector({ model, providers: ['wasm'], threads, cache: false });
      await detector.warmUp();
      const video = document.createElement('video');
      Object.assign(video, { muted: true, loop: true, playsInline: true, src: url });
      document.body.append(video);
      await video.play();
      /** @type {number[]} */
      const longTasks = [];
      const observer = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration)));
      observer.observe({ type: 'longtask' });
      let screened = 0;
      const started = performance.now();
      const watch = veil.watchVideo(video, { detector, fps: 30, onResult: () => screened++ });
      await new Promise((done) => setTimeout(done, seconds * 1000));
      const elapsed = (performance.now() - started) / 1000;
      watch.stop();
      observer.disconnect();
      video.remove();
      detector.dispose();
      return { model, fps_asked: 30, seconds: Math.round(elapsed * 10) / 10, screened, sustained_fps: Math.round((screened / elapsed) * 100) / 100, long_tasks: longTasks.length };
    },
    { model: o.model.url, threads: o.threads, url: o.clip.url, seconds: o.seconds },
  );
}
