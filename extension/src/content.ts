/**
 * The content script, run at document_start in every frame. Before the page has
 * painted anything it puts in a stylesheet that blurs every <img>, <picture> and
 * <video> poster; then Veil's blurOnRender takes over the images (its own
 * stylesheet, lifted per image only by this script's token, nearest the viewport
 * first, a few at a time), and this script checks video posters itself. The
 * detector blurOnRender is given is a proxy: each image goes to the extension's
 * offscreen document, where Veil's detector runs.
 */
import { ErrorCodes, VeilError, blurOnRender, type BlurController, type DetectInput, type DetectOptions, type DetectorLike, type ErrorCode, type ModerationResult } from '../../src/index.js';
import { loadSettings, onSite, type CheckAnswer, type PageCounts, type Settings } from './settings.js';

const html = document.documentElement;

/**
 * The net under everything: until blurOnRender's own stylesheet is in the page
 * (it needs <head>) and while the settings load, every picture is blurred.
 */
const net = document.createElement('style');
net.setAttribute('data-veil-extension', 'net');
net.textContent = 'img,picture,video{filter:blur(24px)!important}';

/** Posters: blurred until checked; a passed poster is marked with this page's random token. */
const token = crypto.randomUUID();
const posters = document.createElement('style');
posters.setAttribute('data-veil-extension', 'posters');
posters.textContent = `video[poster]:not([data-veil-poster~="${token}"]){filter:blur(24px)!important}`;

if (html instanceof HTMLElement) {
  html.append(net);
  void start();
}

let controller: BlurController | null = null;
let settings: Settings;
const host = location.hostname;
/** blurOnRender's options that, when changed, need a fresh controller: the verdicts depend on them. */
let configured = '';

async function start(): Promise<void> {
  try {
    settings = await loadSettings();
  } catch {
    // The extension was reloaded or removed under this page: leave the page as it was.
    net.remove();
    return;
  }
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area !== 'local') return;
    void loadSettings().then((s) => {
      settings = s;
      apply();
    });
  });
  chrome.runtime.onMessage.addListener((message: { type?: string }, _sender, respond) => {
    if (message?.type === 'counts') respond(counts());
  });
  if (document.head) apply();
  else {
    // The parser adds <head> before anything of <body>, and this observer runs before the next paint.
    const wait = new MutationObserver(() => {
      if (!document.head) return;
      wait.disconnect();
      apply();
    });
    wait.observe(html, { childList: true, subtree: true });
  }
}

/** Follows the settings: on or off for this site, and the options the verdicts depend on. */
function apply(): void {
  if (!document.head) return; // start() calls again once it exists
  const on = onSite(settings, host);
  const wanted = on ? JSON.stringify([settings.policy, settings.cover, settings.models]) : '';
  if (wanted === configured && (controller !== null) === on) return;
  configured = wanted;
  // All in one task: the old controller's blur comes off and the new one's goes on before the next frame.
  controller?.dispose();
  controller = null;
  if (on) {
    controller = blurOnRender(document, { detector: proxy, regions: settings.cover === 'parts', concurrency: 3 });
    html.append(posters);
    watchPosters();
  } else {
    posters.remove();
  }
  net.remove();
}

function counts(): PageCounts {
  const c: PageCounts = { host, on: controller !== null, pass: 0, review: 0, block: 0, error: 0, waiting: 0 };
  for (const img of document.querySelectorAll('img[data-veil]')) {
    const state = img.getAttribute('data-veil');
    if (state === 'pass' || state === 'review' || state === 'block' || state === 'error') c[state]++;
    else c.waiting++;
  }
  return c;
}

let next = 0;

/** Asks the offscreen document (through the service worker) about one image's bytes, or its URL when the page cannot read them. */
async function ask(url: string, data: string | undefined, signal?: AbortSignal): Promise<ModerationResult> {
  signal?.throwIfAborted();
  const id = ++next;
  const cancelled = new Promise<never>((_, reject) =>
    signal?.addEventListener('abort', () => {
      void chrome.runtime.sendMessage({ type: 'cancel', id }).catch(() => undefined);
      reject(signal.reason ?? new DOMException('The check was cancelled.', 'AbortError'));
    }),
  );
  const answer = (await Promise.race([chrome.runtime.sendMessage({ type: 'check', id, url, data }), cancelled])) as CheckAnswer | undefined;
  if (!answer) throw new VeilError(ErrorCodes.MODEL_UNAVAILABLE, 'The extension did not answer: reload the page once it has restarted.');
  if ('error' in answer) throw new VeilError(answer.error.code as ErrorCode, answer.error.message);
  return answer.result;
}

/** Bytes as a data: URL, encoded by the browser off this thread; messages to the extension carry only JSON. */
const dataUrl = (blob: Blob): Promise<string> =>
  new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });

/**
 * What blurOnRender hands a detector: the bytes it read and will show (a File
 * named after its URL), or the <img> itself where the page may not read them
 * (another site without CORS). Those the offscreen document fetches by URL, with
 * the extension's host permission.
 */
const proxy: DetectorLike = {
  async detect(input: DetectInput, options?: DetectOptions): Promise<ModerationResult> {
    const signal = options?.signal;
    if (input instanceof File) return ask(input.name, await dataUrl(input), signal);
    if (input instanceof HTMLImageElement) {
      const url = input.currentSrc;
      // The page's own blob: and data: URLs exist only here: read them here.
      if (/^(blob|data):/i.test(url)) return ask(url, await dataUrl(await (await fetch(url, { signal })).blob()), signal);
      return ask(url, undefined, signal);
    }
    throw new VeilError(ErrorCodes.BAD_INPUT, 'The extension checks images and posters only.');
  },
};

const posterSeen = new WeakMap<HTMLVideoElement, string>();
let posterWatch: MutationObserver | null = null;

/** Video posters: each checked by URL; only a passed one loses its blur, and a new poster is blurred again. */
function watchPosters(): void {
  const check = (video: HTMLVideoElement) => {
    const url = video.poster;
    if (!url || posterSeen.get(video) === url) return;
    posterSeen.set(video, url);
    video.setAttribute('data-veil-poster', (video.getAttribute('data-veil-poster') ?? '').split(' ').filter((t) => t !== token).join(' '));
    const mine = controller;
    ask(url, undefined).then(
      (result) => {
        if (controller === mine && video.poster === url && result.decision === 'pass') video.setAttribute('data-veil-poster', token);
      },
      () => undefined,
    );
  };
  const scan = (root: ParentNode) => {
    if (root instanceof HTMLVideoElement) check(root);
    for (const v of root.querySelectorAll('video[poster]')) check(v as HTMLVideoElement);
  };
  posterWatch?.disconnect();
  posterWatch = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes' && r.target instanceof HTMLVideoElement) check(r.target);
      for (const n of r.addedNodes) if (n instanceof Element) scan(n);
    }
  });
  posterWatch.observe(html, { childList: true, subtree: true, attributes: true, attributeFilter: ['poster'] });
  for (const v of document.querySelectorAll('video')) posterSeen.delete(v);
  scan(document);
}
