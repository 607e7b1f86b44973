/**
 * What blurOnRender shows is what it checked. The page fetches an image's bytes
 * once, the detector screens that Blob, and the <img> then displays exactly those
 * bytes from an object URL. Letting the detector's worker (or a gateway) fetch the
 * URL again would let a host that tells requests apart (by Sec-Fetch-Dest, Origin,
 * User-Agent) pass one file and show another.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import type { ModerationResult } from '../result.js';
import type { DetectorLike } from './shared.js';

/** blob: and data: URLs cannot answer two reads differently: the <img> already shows exactly what a read returns. */
export const isFixed = (url: string): boolean => /^(blob|data):/i.test(url);

/**
 * Everything that decides which file an <img> shows: its own src, srcset and sizes,
 * and those of the <source> elements of its <picture>. A change in any of them
 * means another picture may be shown, which must be checked from the start.
 */
export function signature(img: HTMLImageElement): string {
  const parts = [img.getAttribute('src'), img.getAttribute('srcset'), img.getAttribute('sizes')];
  for (const s of sourcesOf(img)) parts.push(s.getAttribute('srcset'), s.getAttribute('media'), s.getAttribute('type'), s.getAttribute('sizes'));
  return parts.join('\n');
}

export const sourcesOf = (img: HTMLImageElement): HTMLSourceElement[] =>
  img.parentElement instanceof HTMLPictureElement ? [...img.parentElement.children].filter((c) => c instanceof HTMLSourceElement) : [];

const abortError = () => new DOMException('The check was cancelled.', 'AbortError');

/** Resolves once the <img> has settled on what it shows (loaded, or failed to). */
export function settled(img: HTMLImageElement, signal: AbortSignal): Promise<void> {
  if (img.complete) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const end = (ok: boolean) => {
      img.removeEventListener('load', done);
      img.removeEventListener('error', done);
      signal.removeEventListener('abort', stop);
      if (ok) resolve();
      else reject(abortError());
    };
    const done = () => end(true);
    const stop = () => end(false);
    img.addEventListener('load', done);
    img.addEventListener('error', done);
    signal.addEventListener('abort', stop);
  });
}

/**
 * What `url` serves to this page, read in CORS mode with the credentials and
 * referrer policy the <img> itself uses. Null when the page may not read it
 * (cross-origin without CORS, or the network failed): fetch() rejects then.
 */
export async function readBytes(img: HTMLImageElement, url: string, signal: AbortSignal): Promise<Blob | null> {
  let response: Response;
  try {
    response = await fetch(url, {
      mode: 'cors',
      credentials: img.crossOrigin === 'use-credentials' ? 'include' : 'same-origin',
      referrerPolicy: (img.referrerPolicy || undefined) as ReferrerPolicy | undefined,
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    return null;
  }
  // Readable but not served: checking anything else (a gateway's own copy) would check another file than the one shown.
  if (!response.ok) throw new VeilError(ErrorCodes.FETCH_FAILED, `${url} answered HTTP ${response.status} to the page.`);
  return response.blob();
}

export type Scheme = 'blob' | 'data';

/** 1 x 1 GIF, the smallest image to try a URL scheme with. */
const GIF = 'R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==';
const schemes = new WeakMap<Document, Promise<Scheme | null>>();

/**
 * Which URL scheme an <img> on this page may load bytes from: blob:, else data:,
 * else neither (a Content-Security-Policy whose img-src lists neither). Tried once
 * per document with a 1-pixel image: a policy only ever tightens after load.
 */
export function displayScheme(doc: Document): Promise<Scheme | null> {
  let found = schemes.get(doc);
  if (!found) {
    const loads = (src: string) =>
      new Promise<boolean>((resolve) => {
        const img = doc.createElement('img');
        img.onload = () => resolve(true);
        img.onerror = () => resolve(false);
        img.src = src;
      });
    found = (async () => {
      const url = URL.createObjectURL(new Blob([Uint8Array.from(atob(GIF), (c) => c.charCodeAt(0))], { type: 'image/gif' }));
      const blob = await loads(url);
      URL.revokeObjectURL(url);
      if (blob) return 'blob';
      return (await loads(`data:image/gif;base64,${GIF}`)) ? 'data' : null;
    })();
    schemes.set(doc, found);
  }
  return found;
}

/** A URL that serves exactly `bytes`: an object URL, or a data: URL where the page's policy allows only that. */
export function urlFor(bytes: Blob, scheme: Scheme): Promise<string> {
  if (scheme === 'blob') return Promise.resolve(URL.createObjectURL(bytes));
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(bytes);
  });
}

/** Veil's own source on an image, and how to take it off again. */
export interface Swap {
  url: string;
  undo(): void;
}

/**
 * Shows `url` in `img` instead of the page's source. srcset (the image's and its
 * <picture> sources') is set aside too, or the browser would keep choosing among
 * the page's files. undo() puts back each attribute the page has not changed
 * since, and revokes the object URL.
 */
export function swapIn(img: HTMLImageElement, url: string): Swap {
  const saved: [Element, string, string | null, string | null][] = [];
  const set = (el: Element, name: string, value: string | null) => {
    saved.push([el, name, el.getAttribute(name), value]);
    if (value === null) el.removeAttribute(name);
    else el.setAttribute(name, value);
  };
  for (const s of sourcesOf(img)) if (s.hasAttribute('srcset')) set(s, 'srcset', null);
  if (img.hasAttribute('srcset')) set(img, 'srcset', null);
  set(img, 'src', url);
  return {
    url,
    undo() {
      for (const [el, name, original, ours] of saved.reverse()) {
        if (el.getAttribute(name) !== ours) continue;
        if (original === null) el.removeAttribute(name);
        else el.setAttribute(name, original);
      }
      if (url.startsWith('blob:')) URL.revokeObjectURL(url);
    },
  };
}

/** Resolves true once the <img> shows `url`, false when it cannot load it (a policy refused it, or the bytes are no image). */
export function shows(img: HTMLImageElement, url: string, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const end = (ok: boolean | null) => {
      img.removeEventListener('load', load);
      img.removeEventListener('error', fail);
      signal.removeEventListener('abort', stop);
      if (ok === null) reject(abortError());
      else resolve(ok);
    };
    const load = () => img.currentSrc === url && end(true);
    const fail = () => end(false);
    const stop = () => end(null);
    img.addEventListener('load', load);
    img.addEventListener('error', fail);
    signal.addEventListener('abort', stop);
  });
}

export interface Screening {
  result: ModerationResult;
  /** The file the page gave the image, as read (its currentSrc). */
  url: string;
  /** False where the checked bytes could not be shown in the image (a policy refused every URL for them). */
  showable: boolean;
}

/**
 * Screens what `img` shows. Bytes the page can read are read once, checked, and
 * shown in place of the page's source, by whichever URL scheme the page allows
 * (`pinned` hears of the swap in the same microtask it is made). Bytes it cannot
 * read (cross-origin without CORS) go to the detector as the <img>, which a local
 * detector answers "unreadable" and a remote one checks by URL. Null when
 * `stale()` says the check is over.
 */
export async function screen(
  img: HTMLImageElement,
  detector: DetectorLike,
  signal: AbortSignal,
  stale: () => boolean,
  pinned: (swap: Swap) => void,
): Promise<Screening | null> {
  await settled(img, signal);
  if (stale()) return null;
  const url = img.currentSrc;
  const bytes = url && !isFixed(url) ? await readBytes(img, url, signal) : null;
  if (stale()) return null;
  if (!bytes) return { result: await detector.detect(img, { signal }), url, showable: true };
  const show = async () => {
    const scheme = await displayScheme(img.ownerDocument);
    const shown = scheme && (await urlFor(bytes, scheme));
    if (!shown || stale()) {
      if (shown?.startsWith('blob:')) URL.revokeObjectURL(shown);
      return false;
    }
    // No await between the swap and `pinned`: the MutationObserver's microtask must find it recorded.
    pinned(swapIn(img, shown));
    return shows(img, shown, signal);
  };
  // The file is named after its URL, so the result's `source` says where it came from.
  const [result, showable] = await Promise.all([detector.detect(new File([bytes], url, { type: bytes.type }), { signal }), show()]);
  return { result, url, showable };
}

/** Why checked bytes that passed are not shown: the page's policy, or bytes that an <img> would not display. */
export async function unshowable(doc: Document, url: string): Promise<VeilError> {
  if (await displayScheme(doc)) return new VeilError(ErrorCodes.DECODE_FAILED, `The checked bytes of ${url} cannot be shown as an image, so it stays held back.`);
  return new VeilError(
    ErrorCodes.BAD_OPTION,
    "This page's Content-Security-Policy lets images load neither blob: nor data: URLs, so blurOnRender cannot show the bytes it checked and holds every image back: add blob: to img-src.",
  );
}
