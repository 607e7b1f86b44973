// The engine checks, run inside the page by test/engines/engines.test.ts through
// whichever driver the engine speaks: each is a function of plain data that
// answers plain data, so every engine is asked exactly the same.
import * as veil from '/dist/index.js';

const MODEL = '/public/models/veil-fixture-320.onnx';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(test, what, ms = 60_000) {
  const end = performance.now() + ms;
  for (;;) {
    const value = test();
    if (value) return value;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
const errorOf = (error) => ({ code: error?.code ?? null, message: String(error?.message ?? error) });

const checks = {
  /** What the page and a worker offer, as Veil tests for each. */
  async features() {
    const worker = new Worker('/test/engines/probe-worker.js', { type: 'module' });
    const inWorker = await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(e.message));
    });
    worker.terminate();
    let adapter = null;
    if (navigator.gpu) adapter = await navigator.gpu.requestAdapter().then((a) => !!a, () => false);
    return {
      userAgent: navigator.userAgent,
      crossOriginIsolated: self.crossOriginIsolated === true,
      hardwareConcurrency: navigator.hardwareConcurrency,
      worker: inWorker,
      WebGPU: adapter,
      requestVideoFrameCallback: 'requestVideoFrameCallback' in HTMLVideoElement.prototype,
      WebLocks: !!navigator.locks,
      CSSAnchorPositioning: CSS.supports('anchor-name: --a'),
    };
  },

  /** createDetector with the default options (all providers, threads), then detect on each image. */
  async detect({ images }) {
    const started = performance.now();
    const detector = await veil.createDetector({ model: MODEL });
    const created_ms = performance.now() - started;
    const results = {};
    for (const url of images) {
      try {
        const r = await detector.detect(url);
        results[url] = { decision: r.decision, detections: r.raw.nudenet, decoder: r.timings?.decoder };
      } catch (error) {
        results[url] = { error: errorOf(error) };
      }
    }
    const info = { ...detector.info };
    detector.dispose();
    return { info, created_ms, results };
  },

  /** A blocked file picked into a form's input: the form refuses to submit, with the message. */
  async screenUploads() {
    document.body.innerHTML = '<form id="post"><input id="photos" name="photos" type="file" accept="image/*" multiple><button>Publish</button></form>';
    const form = document.getElementById('post');
    const input = document.getElementById('photos');
    const detector = veil.createDetector({ model: MODEL, providers: ['wasm'] });
    const screen = veil.screenUploads(form, { detector });
    const files = new DataTransfer();
    for (const name of ['pass', 'block']) {
      const bytes = await (await fetch(`/__png/${name}`)).blob();
      files.items.add(new File([bytes], `${name}.png`, { type: 'image/png' }));
    }
    input.files = files.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
    await screen.settled();
    await until(() => ['pass', 'review', 'block'].includes(form.getAttribute('data-veil')), 'the form state');
    const out = {
      formState: form.getAttribute('data-veil'),
      valid: form.checkValidity(),
      message: input.validationMessage,
      files: input.files.length,
    };
    screen.dispose();
    (await detector).dispose();
    return out;
  },

  /** An image added under blurOnRender: blurred in the task it is added and before its first frame; then pass cleared, block covered. */
  async blurOnRender() {
    document.body.innerHTML = '<div id="feed"></div>';
    const feed = document.getElementById('feed');
    const detector = veil.createDetector({ model: MODEL, providers: ['wasm'] });
    const blur = veil.blurOnRender(feed, { detector, transitionMs: 0 });
    const images = {};
    for (const name of ['pass', 'block']) {
      const img = new Image(320, 240);
      img.alt = name;
      img.src = `/__png/${name}`;
      feed.append(img);
      images[name] = img;
    }
    const sameTask = getComputedStyle(images.block).filter;
    const firstFrame = await new Promise((resolve) => requestAnimationFrame(() => resolve(getComputedStyle(images.block).filter)));
    await until(() => images.pass.dataset.veil === 'pass' && images.block.dataset.veil === 'block', 'both verdicts');
    await until(() => getComputedStyle(images.pass).filter === 'none', 'the passed image to clear', 5000).catch(() => null);
    const out = {
      sameTask,
      firstFrame,
      pass: { state: images.pass.dataset.veil, filter: getComputedStyle(images.pass).filter, shown: images.pass.currentSrc.slice(0, 5), loaded: images.pass.complete && images.pass.naturalWidth },
      block: { state: images.block.dataset.veil, filter: getComputedStyle(images.block).filter },
      covers: document.querySelectorAll('.veil-cover').length,
    };
    blur.dispose();
    (await detector).dispose();
    return out;
  },

  /** detectVideo on a clip: its verdict and deciding second, or the error. */
  async detectVideo({ clip }) {
    const detector = await veil.createDetector({ model: MODEL, providers: ['wasm'] });
    try {
      const r = await detector.detectVideo(clip);
      return { decision: r.decision, decided_at_s: r.video.decided_at_s, frames: r.video.frames_scanned };
    } catch (error) {
      return { error: errorOf(error) };
    } finally {
      detector.dispose();
    }
  },

  /** For bench/engines.ts: a detector with these options, kept on the page, and each photo's bytes read once. */
  async benchOpen({ model, threads, urls }) {
    window.benchDetector = await veil.createDetector({ model, threads, providers: ['wasm'], cache: false, warmUp: false });
    window.benchBlobs = {};
    for (const url of urls) window.benchBlobs[url] = await (await fetch(url)).blob();
    return { threads: window.benchDetector.info.threads };
  },

  /** One timed detect() of a photo's bytes (a Blob, as a picked file), decoding included. */
  async benchDetect({ url }) {
    const started = performance.now();
    try {
      const result = await window.benchDetector.detect(window.benchBlobs[url]);
      return { ms: performance.now() - started, decision: result.decision };
    } catch (error) {
      return { error: errorOf(error) };
    }
  },
};

window.engineCheck = (name, args) =>
  checks[name](args).then(
    (value) => ({ value }),
    (error) => ({ error: `${name}: ${error?.stack ?? error}` }),
  );
window.dispatchEvent(new Event('engine-checks-ready'));
