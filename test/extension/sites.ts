/**
 * The test sites the extension is tried on, served on loopback. One server
 * answers as two origins: http://127.0.0.1:PORT (the sites) and
 * http://localhost:PORT (another site's images, with CORS unless `?cors=0`).
 * Every request is logged with its host, so a test can see who asked for what.
 *
 *   /img/<pass|review|block>/<n>.png  a 320 x 240 picture of known verdict for the
 *                                     fixture model, different bytes for each n
 *   /feed      lazy-loaded images, and more added as the reader nears the end
 *   /picture   srcset and a <picture> switching file at 1000 px
 *   /script    images added by the page's script, and one whose src it changes
 *   /many      300 images
 *   /cross     images from the other origin, with and without CORS headers
 *   /csp       a page whose Content-Security-Policy allows nothing but its own images
 *   /posters   two videos with posters, one clean and one not
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makePng } from '../support/png.js';

export type Kind = 'pass' | 'review' | 'block';
/** Image n's verdict: most pass, one in five goes to review, one in five is blocked (as the blurOnRender feed). */
export const kindOf = (n: number): Kind => (['pass', 'pass', 'review', 'pass', 'block'] as const)[n % 5]!;

const COLOURS = { pass: 'green', review: 'yellow', block: 'red' } as const;
const SIZES = { pass: [60, 60], review: [90, 80], block: [80, 70] } as const;

/** The fixture model finds a patch by its colour wherever it lies: moving it makes each n's bytes its own. */
export function picture(kind: Kind, n: number): Buffer {
  const [w, h] = SIZES[kind];
  return makePng(320, 240, [{ color: COLOURS[kind], rect: [20 + (n % 9) * 20, 20 + (Math.floor(n / 9) % 5) * 20, w, h] }]);
}

export const img = (n: number, attrs = '', origin = '') =>
  `<img src="${origin}/img/${kindOf(n)}/${n}.png" width="320" height="240" alt="Photo ${n}" data-i="${n}" ${attrs}>`;

const page = (title: string, body: string, script = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{margin:0;font:14px sans-serif}#feed{width:340px;margin:0 auto;display:grid;gap:16px;padding:16px 0}#feed img{display:block}</style>
</head><body><h1>${title}</h1><div id="feed">${body}</div>${script ? `<script>${script}</script>` : ''}</body></html>`;

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** More images as the reader nears the end, 20 at a time, up to `max`; each new one loads lazily. */
const infinite = (max: number) => `
const feed = document.getElementById('feed');
const kinds = ['pass', 'pass', 'review', 'pass', 'block'];
const end = document.createElement('div');
end.style.height = '1px';
feed.after(end);
new IntersectionObserver((entries) => {
  if (!entries[0].isIntersecting) return;
  const n = feed.querySelectorAll('img').length;
  for (let i = n; i < Math.min(n + 20, ${max}); i++) {
    const img = new Image(320, 240);
    Object.assign(img, { src: '/img/' + kinds[i % 5] + '/' + i + '.png', alt: 'Photo ' + i, loading: 'lazy' });
    img.dataset.i = String(i);
    feed.append(img);
  }
}, { rootMargin: '600px 0px' }).observe(end);`;

export interface Sites {
  url: string;
  other: string;
  /** Every request: host and path. */
  requests: { host: string; path: string }[];
  close(): Promise<void>;
}

export async function startSites(): Promise<Sites> {
  const requests: Sites['requests'] = [];
  let other = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ host: req.headers.host ?? '', path: url.pathname + url.search });
    res.setHeader('Cache-Control', 'no-cache');
    const image = /^\/img\/(pass|review|block)\/(\d+)\.png$/.exec(url.pathname);
    if (image) {
      if (url.searchParams.get('cors') !== '0') res.setHeader('Access-Control-Allow-Origin', '*');
      res.writeHead(200, { 'content-type': 'image/png' }).end(picture(image[1] as Kind, Number(image[2])));
      return;
    }
    const html = (body: string, headers: Record<string, string> = {}) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(body);
    switch (url.pathname) {
      case '/feed':
        return html(page('Feed', range(0, 12).map((n) => img(n, 'loading="lazy"')).join(''), infinite(100)));
      case '/picture':
        return html(
          page(
            'Pictures',
            `<img srcset="/img/pass/0.png 1x, /img/block/1.png 2x" width="320" height="240" alt="Dense" data-i="0">
             <picture><source media="(min-width: 1000px)" srcset="/img/block/4.png"><img src="/img/pass/3.png" width="320" height="240" alt="Art-directed" data-i="1"></picture>
             <img src="/img/review/2.png" srcset="/img/block/9.png 320w, /img/pass/8.png 640w" sizes="320px" width="320" height="240" alt="Widths" data-i="2">`,
          ),
        );
      case '/script':
        return html(
          page(
            'Added by script',
            '',
            `setTimeout(() => {
               const feed = document.getElementById('feed');
               for (let i = 0; i < 10; i++) feed.insertAdjacentHTML('beforeend', '<img src="/img/' + ['pass', 'pass', 'review', 'pass', 'block'][i % 5] + '/' + i + '.png" width="320" height="240" alt="Photo ' + i + '" data-i="' + i + '">');
             }, 300);
             window.swap = () => { document.querySelector('#feed img[data-i="0"]').src = '/img/block/100.png'; };`,
          ),
        );
      case '/many':
        return html(page('300 images', range(0, 300).map((n) => img(n)).join('')));
      case '/cross':
        return html(page('Another site’s images', range(0, 10).map((n) => img(n, '', other) .replace('.png"', n % 2 ? '.png?cors=0"' : '.png"')).join('')));
      case '/csp':
        return html(page('Strict CSP', range(0, 5).map((n) => img(n)).join('')), {
          'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'self'",
        });
      case '/posters':
        return html(
          page(
            'Video posters',
            `<video poster="/img/pass/0.png" width="320" height="240" data-i="0"></video><video poster="/img/block/4.png" width="320" height="240" data-i="1"></video>`,
          ),
        );
      case '/plain':
        return html(page('Plain', ''));
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  other = `http://localhost:${port}`;
  return {
    url: `http://127.0.0.1:${port}`,
    other,
    requests,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
