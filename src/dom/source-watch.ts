/**
 * The ways the picture an <img> shows can change once it has been checked, for
 * blurOnRender to blur it and check it again: the page edits its src, srcset or
 * sizes, or its <picture>'s sources; the browser loads another file by itself (a
 * srcset candidate for another zoom); or a media query that a <picture> source
 * or srcset depends on flips, which is reported before the new file even loads.
 */
import { sourcesOf } from './screened-source.js';
import type { Listeners } from './shared.js';

export interface SourceEvents {
  /** A node was added under the root. */
  added(node: Node): void;
  /** Nodes were removed under the root. */
  removed(): void;
  /** The page changed an attribute that decides which file `img` shows (or its <picture>'s sources). */
  edited(img: HTMLImageElement): void;
  /** `img` finished loading a file. */
  loaded(img: HTMLImageElement): void;
  /** A media query given to `watchQueries` changed. */
  query(q: string): void;
}

export interface SourceWatch {
  /** Reports `query` when one of these starts or stops matching. */
  watchQueries(queries: string[]): void;
}

/**
 * Media queries whose change may make the browser pick another file for `img`:
 * its <picture> sources' media, and, unless Veil has pinned it to checked bytes
 * (which no query changes), the screen's pixel density that srcset depends on.
 */
export function queriesOf(img: HTMLImageElement, pinned: boolean): string[] {
  const sources = sourcesOf(img);
  const queries = sources.map((s) => s.getAttribute('media')).filter((m): m is string => !!m?.trim());
  if (!pinned && (img.hasAttribute('srcset') || sources.length)) queries.push(`(resolution: ${devicePixelRatio}dppx)`);
  return queries;
}

export function watchSources(scopeEl: Element, listeners: Listeners, on: SourceEvents): SourceWatch {
  const mutations = new MutationObserver((records) => {
    let removed = false;
    const edited = new Set<HTMLImageElement>();
    for (const record of records) {
      if (record.type === 'childList') {
        record.addedNodes.forEach((node) => on.added(node));
        removed ||= record.removedNodes.length > 0;
      }
      const el = record.target;
      const picture = el instanceof HTMLSourceElement ? el.parentElement : el;
      if (el instanceof HTMLImageElement) edited.add(el);
      else if (picture instanceof HTMLPictureElement) {
        const img = picture.querySelector(':scope > img');
        if (img instanceof HTMLImageElement) edited.add(img);
      }
    }
    for (const img of edited) on.edited(img);
    if (removed) on.removed();
  });
  mutations.observe(scopeEl, { childList: true, subtree: true, attributes: true, attributeFilter: ['src', 'srcset', 'sizes', 'media', 'type'] });
  listeners.add(() => mutations.disconnect());
  // load does not bubble; one capturing listener on the root hears every image's.
  listeners.on(scopeEl, 'load', (event) => event.target instanceof HTMLImageElement && on.loaded(event.target), { capture: true });

  const media = new Set<string>();
  const view = scopeEl.ownerDocument.defaultView ?? window;
  return {
    watchQueries(queries) {
      for (const q of queries) {
        if (media.has(q)) continue;
        media.add(q);
        listeners.on(view.matchMedia(q), 'change', () => on.query(q));
      }
    },
  };
}
