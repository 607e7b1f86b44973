/**
 * The stylesheet blurOnRender injects, and the cover it (and watchVideo) lays
 * over a held-back image or video: a note and a "show" button, positioned over
 * the element with CSS anchor positioning so the page's layout never moves.
 */

export interface BlurLabels {
  /** Over an image the policy sends to review. */
  review: string;
  /** Over a blocked image. */
  block: string;
  /** Over an image that could not be checked. */
  error: string;
  /** Over a cross-origin image whose pixels the page cannot read (and no gateway could). */
  unreadable: string;
  show: string;
  hide: string;
}

export const DEFAULT_LABELS: BlurLabels = {
  review: 'May be sensitive',
  block: 'Hidden: may contain nudity',
  error: 'Could not be checked',
  unreadable: 'Another site’s image: it cannot be checked here',
  show: 'Show',
  hide: 'Hide',
};

/**
 * Only unblurring is animated: a blur that faded in would show the image first,
 * so the blurred state turns transitions off. The blur is !important so no page
 * rule can lift it by accident; everything else is under `:where()` so a page's
 * own rules restyle the covers without a fight.
 *
 * An image is unblurred only while its `data-veil-clear` lists `token`, a random
 * value of this controller's that only its script knows: attributes in the page's
 * HTML (`data-veil="pass"` in a user's post) cannot lift the blur.
 */
export function blurCss(scope: string, selector: string, blur: string, transitionMs: number, token: string): string {
  const s = `[data-veil-scope~="${scope}"]`;
  const img = `${s} :is(${selector})`;
  const clear = `[data-veil-clear~="${token}"]`;
  return `
:where(${img}):not(${clear}){filter:blur(${blur})!important;transition:none!important}
:where(${img}){clip-path:inset(0)}
:where(${img}):is(${clear}){transition:filter ${transitionMs}ms ease-out}
@media (prefers-reduced-motion:reduce){:where(${img}){transition:none!important}}
:where(${img}){content:normal!important;background-image:none!important;border-image-source:none!important}
${coverCss(`${s} .veil-cover`)}`;
}

/** The covers' own rules, for covers matching the selector `c`. */
export function coverCss(c: string): string {
  return `
:where(${c}){position:absolute;top:anchor(top);left:anchor(left);width:anchor-size(width);height:anchor-size(height);z-index:1;box-sizing:border-box;overflow:hidden;display:flex;flex-direction:column;align-items:center;justify-content:center;gap:.5em;padding:.5em;text-align:center;font:600 13px/1.3 system-ui,sans-serif;color:#fff;text-shadow:0 1px 2px #0009;background:#14182059}
:where(${c} button){font:inherit;color:#111;background:#fff;border:0;border-radius:99px;padding:.35em 1em;cursor:pointer;text-shadow:none;box-shadow:0 1px 3px #0005}
:where(${c} button:focus-visible){outline:3px solid #3157d5;outline-offset:2px}
:where(${c} canvas){position:absolute;inset:0;width:100%;height:100%;z-index:-1}
:where(${c}[data-veil-regions]){justify-content:flex-end;background:none}
:where(${c}[data-veil-regions] .veil-note){background:#000b;padding:.2em .7em;border-radius:99px}
:where(${c}[data-veil-shown]){justify-content:flex-end;align-items:flex-end;background:none;pointer-events:none}
:where(${c}[data-veil-shown] button){pointer-events:auto}
:where(${c}[data-veil-shown] .veil-note,${c}[data-veil-shown] canvas){display:none}
@supports not (anchor-name:--a){:where(${c}){width:auto;height:auto;top:auto;left:auto;flex-direction:row}}
`;
}

export interface Cover {
  el: HTMLElement;
  remove(): void;
}

/** How the Show button names what it shows: the image's `alt`, else the element's own label. */
function nameOf(el: HTMLElement): string {
  const name = (el instanceof HTMLImageElement ? el.alt : '') || el.getAttribute('aria-label') || el.title;
  if (name) return `: ${name}`;
  return el instanceof HTMLVideoElement ? ' video' : ' image';
}

/**
 * Lays a cover over `img` (an image or a video): after it (or after the link or
 * picture around it, so the button is never inside a link), anchored to its
 * box. Its button calls `reveal` with whether the reader wants it shown.
 */
export function addCover(
  img: HTMLElement,
  anchor: string,
  note: string,
  labels: BlurLabels,
  reveal: (shown: boolean) => void,
  regions?: HTMLCanvasElement,
): Cover {
  const doc = img.ownerDocument;
  const el = doc.createElement('div');
  el.className = 'veil-cover';
  el.setAttribute('data-veil-cover', '');
  // `part` names, for `<veil-image>`'s ::part() styling; nothing reads them in the page's own DOM.
  el.setAttribute('part', 'cover');
  el.style.setProperty('position-anchor', anchor);
  const previousAnchor = img.style.getPropertyValue('anchor-name');
  img.style.setProperty('anchor-name', anchor);

  const text = doc.createElement('span');
  text.className = 'veil-note';
  text.setAttribute('part', 'note');
  text.textContent = note;
  const button = doc.createElement('button');
  button.type = 'button';
  button.setAttribute('part', 'show');
  const what = nameOf(img);
  const label = (shown: boolean) => {
    button.textContent = shown ? labels.hide : labels.show;
    button.setAttribute('aria-label', `${shown ? labels.hide : labels.show}${what}`);
    button.setAttribute('aria-pressed', String(shown));
  };
  label(false);
  button.addEventListener('click', (event) => {
    event.preventDefault();
    event.stopPropagation();
    const shown = !el.hasAttribute('data-veil-shown');
    el.toggleAttribute('data-veil-shown', shown);
    reveal(shown);
    label(shown);
  });
  if (regions) {
    const fit = getComputedStyle(img);
    regions.style.objectFit = fit.objectFit;
    regions.style.objectPosition = fit.objectPosition;
    regions.setAttribute('aria-hidden', 'true');
    regions.setAttribute('part', 'regions');
    el.setAttribute('data-veil-regions', '');
    el.append(regions);
  }
  el.append(text, button);
  (img.parentElement?.closest('a, button, picture') ?? img).after(el);

  return {
    el,
    remove() {
      el.remove();
      if (previousAnchor) img.style.setProperty('anchor-name', previousAnchor);
      else img.style.removeProperty('anchor-name');
      if (!img.getAttribute('style')) img.removeAttribute('style');
    },
  };
}
