/**
 * Every JavaScript and HTML example in README.md and docs/ runs, as written, in
 * Chromium against the built library, so none can go stale. The page gives the
 * examples what their prose assumes: a photo as `file`, a WebM clip as `clip`
 * (red, so blocking, from 3 s), an element `preview`, a
 * form and a feed, `rejectUpload()`, a camera (Chromium's fake one), and the
 * model URLs they name (answered with the project's fixture models); the only
 * rewrite is `'veil'` to the built file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS } from '../../playwright.config.js';
import { GATEWAY_OK } from '../fixtures/documented-bodies.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pages = ['README.md', ...readdirSync(`${ROOT}docs`).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface Example {
  where: string;
  lang: string;
  code: string;
}

function examples(): Example[] {
  const found: Example[] = [];
  for (const path of pages) {
    const lines = readFileSync(`${ROOT}${path}`, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(js|ts|html)$/.exec(lines[i]!);
      if (!open) continue;
      const start = i + 1;
      while (i + 1 < lines.length && !lines[i + 1]!.startsWith('```')) i++;
      found.push({ where: `${path}:${start}`, lang: open[1]!, code: lines.slice(start, i + 1).join('\n') });
      i++;
    }
  }
  return found;
}

/** The example as a module script (its markup apart, for HTML), `veil-nsfw` pointed at the build. */
function asModule({ lang, code }: Example): { markup: string; script: string } {
  let markup = '';
  let script = code;
  if (lang === 'html') {
    const at = code.indexOf('<script type="module">');
    markup = code.slice(0, at);
    script = code.slice(at + '<script type="module">'.length, code.lastIndexOf('</script>'));
  }
  script = script
    .replaceAll(`from 'veil-nsfw/dialects'`, `from '/dist/dialects.js'`)
    .replaceAll(`from 'veil-nsfw/element'`, `from '/dist/element.js'`)
    .replaceAll(`from 'veil-nsfw'`, `from '/dist/index.js'`);
  const imports = /from '\/dist\/index\.js'/.test(script) ? '' : `import { createDetector } from '/dist/index.js';\n`;
  return { markup, script: `${imports}${script}\nwindow.__exampleDone = true;\n` };
}

const PRELUDE = `
  window.file = new File([await (await fetch('/test/.cache/images/landscape-640x480.jpg')).arrayBuffer()], 'holiday.jpg', { type: 'image/jpeg' });
  window.clip = new File([await (await fetch('/test/.cache/clips/block-at-3s-vp8.webm')).arrayBuffer()], 'clip.webm', { type: 'video/webm' });
  window.model = '/models/320n.onnx';
  window.preview = document.body.appendChild(document.createElement('img'));
  window.rejectUpload = () => (window.__rejected = true);
  window.confirm = () => true;
`;

const list = examples();

// A camera for the examples that open one (Chromium's own test pattern).
test.use({ launchOptions: { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--disable-features=BackForwardCache', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] } });

test('the README and docs/ have examples to run', () => {
  expect(list.filter((e) => e.where.startsWith('README.md')).length).toBeGreaterThanOrEqual(6);
});

for (const example of list) {
  test(`${example.where} runs`, async ({ harness, page }) => {
    await page.route('**/models/320n.onnx', (route) => route.fulfill({ path: `${ROOT}public/models/veil-fixture-320.onnx` }));
    await page.route('**/models/nsfwjs-mobilenet-v2.onnx', (route) => route.fulfill({ path: `${ROOT}public/models/nsfwjs-mobilenet-v2.onnx` }));
    await page.route('https://gateway.example/**', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', headers: { 'access-control-allow-origin': '*' }, body: JSON.stringify(GATEWAY_OK) }),
    );
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await harness.open();
    const { markup, script } = asModule(example);
    await page.evaluate(
      async ({ markup, prelude }) => {
        document.body.insertAdjacentHTML('beforeend', `<form><input type="file" /></form><div id="feed"></div>${markup}`);
        await new Function(`return (async () => { ${prelude} })()`)();
      },
      { markup, prelude: PRELUDE },
    );
    await page.addScriptTag({ type: 'module', content: script });
    await expect.poll(async () => errors.join('\n') || (await page.evaluate(() => (window as any).__exampleDone === true)), { timeout: 60_000 }).toBe(true);
  });
}
