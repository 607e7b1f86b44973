/**
 * What lifts blurOnRender's blur: a random token of the controller's own in the
 * image's `data-veil-clear`, which the stylesheet requires (blurCss). The page's
 * HTML cannot know it, so a user's post with `data-veil="pass"` (sanitisers keep
 * data-* attributes) stays blurred; an image arriving with Veil's attributes,
 * forged or copied from another image, has them stripped before its first frame.
 */

const CLEAR = 'data-veil-clear';

/** Tokens of the controllers running in this page: one controller leaves another's on the images they share. */
const live = new Set<string>();

/** A new token, live until `release()`: 128 random bits (getRandomValues, which unlike randomUUID works outside secure contexts too). */
export function newToken(): { token: string; release(): void } {
  const token = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  live.add(token);
  return { token, release: () => live.delete(token) };
}

/** Sets or takes off `token` in the image's data-veil-clear; tokens of no live controller go too. */
export function setClear(img: HTMLElement, token: string, on: boolean): void {
  const list = (img.getAttribute(CLEAR) ?? '').split(/\s+/).filter((x) => x !== token && live.has(x));
  if (on) list.push(token);
  if (list.length) img.setAttribute(CLEAR, list.join(' '));
  else img.removeAttribute(CLEAR);
}

/**
 * Inline properties that would show pictures Veil never checked on a watched
 * image: `content: url(…)` replaces what an <img> shows, and a background or
 * border image shows around (or through) it. The stylesheet sets them to none
 * with !important (cover.ts blurCss), which only an inline !important beats.
 */
const UNCHECKED_PICTURES = ['content', 'background-image', 'border-image-source'];

/**
 * Takes off what an image brings that would lift the blur or show what was not
 * checked: Veil's own attributes (this controller's token, copied along with the
 * rest by cloneNode, and data-veil-shown, which older versions unblurred on),
 * and inline !important declarations that beat the stylesheet's own: filter or
 * transition (a slow transition would hold off the blur when the picture
 * changes), and the UNCHECKED_PICTURES.
 */
export function stripForged(img: HTMLElement, token: string): void {
  img.removeAttribute('data-veil-shown');
  setClear(img, token, false);
  for (const name of [...img.style]) {
    const lifts = name === 'filter' || name.startsWith('transition') || UNCHECKED_PICTURES.includes(name);
    if (lifts && img.style.getPropertyPriority(name)) img.style.removeProperty(name);
  }
  if (img.getAttribute('style') === '') img.removeAttribute('style');
}
