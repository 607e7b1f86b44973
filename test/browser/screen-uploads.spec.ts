/**
 * screenUploads in a real form: files picked, dropped and pasted are screened;
 * a blocked file stops the form through the browser's constraint validation;
 * stale results are dropped; dispose() leaves no listener behind.
 */
import type { Page } from '@playwright/test';
import { modelUrl } from '../support/fixture-data.js';
import { VERDICT_IMAGES } from '../support/png.js';
import { watchMainThread } from '../support/trace.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const png = (name: string, kind: keyof typeof VERDICT_IMAGES) => ({ name, mimeType: 'image/png', buffer: VERDICT_IMAGES[kind]() });
const PDF = { name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n') };

/**
 * A form with a text field, a multiple file input and a submit button, screened
 * by screenUploads. `slow` puts a gate in front of the real detector so a test can
 * decide when results may arrive.
 */
async function openForm(page: Page, harness: { open(): Promise<void> }, { slow = false, target = 'form' } = {}) {
  await harness.open();
  await page.evaluate(
    async ({ model, slow, target }) => {
      const { createDetector, screenUploads } = (window as any).veil;
      document.body.innerHTML = `
        <form id="form">
          <input id="title" name="title" />
          <div id="zone" tabindex="0">Drop here<input id="files" name="files" type="file" multiple /></div>
          <button id="send">Send</button>
        </form>`;
      const w = window as any;
      w.log = [];
      w.submitted = 0;
      w.calls = [];
      w.gate = [];
      const form = document.getElementById('form')!;
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        w.submitted++;
      });
      for (const type of ['veil:result', 'veil:error', 'veil:skip']) {
        form.addEventListener(type, (e: any) =>
          w.log.push({ type, name: e.detail.file.name, decision: e.detail.result?.decision, code: e.detail.error?.code, result: e.detail.result }),
        );
      }
      const real = await createDetector({ model, providers: ['wasm'] });
      w.real = real;
      const detector = slow
        ? {
            detect(input: File, options: { signal: AbortSignal }) {
              const call = { name: input.name, signal: options.signal };
              w.calls.push(call);
              return new Promise((resolve) => w.gate.push(resolve)).then(() => real.detect(input, options));
            },
          }
        : real;
      w.screen = screenUploads(document.getElementById(target), { detector });
    },
    { model: modelUrl(320), slow, target },
  );
}

const attr = (page: Page, id: string) => page.locator(`#${id}`).getAttribute('data-veil');

test('picked files are screened at once; a blocked file stops the form, a PDF is left alone', async ({ harness, page, consoleErrors }) => {
  await openForm(page, harness);
  // Everything the live region says, in order: a screen reader reads each change.
  await page.evaluate(() => {
    const said: string[] = ((window as any).said = []);
    new MutationObserver(() => {
      const text = document.querySelector('[data-veil-live]')?.textContent;
      if (text) said.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.locator('#files').setInputFiles([png('beach.png', 'pass'), png('party.png', 'block'), png('maybe.png', 'review'), PDF]);
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'block');
  await expect(page.locator('#form')).toHaveAttribute('data-veil', 'block');
  await page.waitForFunction(() => (window as any).log.length === 4);

  const log = await page.evaluate(() => (window as any).log);
  const byName = Object.fromEntries(log.map((e: any) => [e.name, e]));
  expect(byName['beach.png']).toMatchObject({ type: 'veil:result', decision: 'pass' });
  expect(byName['party.png']).toMatchObject({ type: 'veil:result', decision: 'block' });
  expect(byName['party.png'].result.detections[0]).toMatchObject({ cls: 'FEMALE_BREAST_EXPOSED', box: [100, 60, 80, 70] });
  expect(byName['party.png'].result.input).toMatchObject({ type: 'file', source: 'party.png', mime: 'image/png' });
  expect(byName['maybe.png']).toMatchObject({ type: 'veil:result', decision: 'review' });
  expect(byName['notes.pdf']).toMatchObject({ type: 'veil:skip' });

  const files = await page.evaluate(() => (window as any).screen.files().map((f: any) => [f.file.name, f.state]));
  expect(files).toEqual([['beach.png', 'pass'], ['party.png', 'block'], ['maybe.png', 'review'], ['notes.pdf', 'skipped']]);

  // The browser's own validation refuses the form and says why.
  await page.locator('#send').click();
  expect(await page.evaluate(() => (window as any).submitted)).toBe(0);
  const message = await page.locator('#files').evaluate((el: HTMLInputElement) => el.validationMessage);
  expect(message).toContain('“party.png” cannot be uploaded');
  await expect.poll(() => page.evaluate(() => (window as any).said.join(' '))).toContain('party.png: blocked');
  await expect.poll(() => page.evaluate(() => (window as any).said.join(' '))).toContain('notes.pdf is neither an image nor a video');

  // Choosing files again without the blocked one lets the form go.
  await page.locator('#files').setInputFiles([png('beach.png', 'pass'), png('maybe.png', 'review')]);
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'review');
  await page.locator('#send').click();
  expect(await page.evaluate(() => (window as any).submitted)).toBe(1);
  expect(consoleErrors).toEqual([]);
});

test('a file dropped or pasted on the form joins its file input and is screened', async ({ harness, page }) => {
  await openForm(page, harness);
  const bytes = (kind: keyof typeof VERDICT_IMAGES) => [...VERDICT_IMAGES[kind]()];
  const dropped = await page.evaluate((data) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(data)], 'dropped.png', { type: 'image/png' }));
    const zone = document.getElementById('zone')!;
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    const over = document.getElementById('form')!.hasAttribute('data-veil-drag');
    const event = new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true });
    zone.dispatchEvent(event);
    return { over, handled: event.defaultPrevented };
  }, bytes('block'));
  expect(dropped).toEqual({ over: true, handled: true });
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'block');
  expect(await page.locator('#files').evaluate((el: HTMLInputElement) => [...el.files!].map((f) => f.name))).toEqual(['dropped.png']);

  // Pasted while typing in the title: added to the files (the input takes several).
  await page.locator('#title').focus();
  await page.evaluate((data) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(data)], 'pasted.png', { type: 'image/png' }));
    document.getElementById('title')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, bytes('pass'));
  await page.waitForFunction(() => (window as any).log.length === 2);
  expect(await page.locator('#files').evaluate((el: HTMLInputElement) => [...el.files!].map((f) => f.name))).toEqual(['dropped.png', 'pasted.png']);
  const states = await page.evaluate(() => (window as any).screen.files().map((f: any) => f.state));
  expect(states).toEqual(['block', 'pass']);
  await expect(page.locator('#form')).toHaveAttribute('data-veil', 'block');
});

test('files replaced before their check ends: the stale check is cancelled and its result dropped', async ({ harness, page }) => {
  await openForm(page, harness, { slow: true });
  await page.locator('#files').setInputFiles([png('first.png', 'block')]);
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'scanning');
  await page.waitForFunction(() => (window as any).calls.length === 1);

  // While checking, the form holds back with its own message.
  await page.locator('#send').click();
  expect(await page.evaluate(() => (window as any).submitted)).toBe(0);
  expect(await page.locator('#files').evaluate((el: HTMLInputElement) => el.validationMessage)).toContain('still being checked');

  await page.locator('#files').setInputFiles([png('second.png', 'pass')]);
  await page.waitForFunction(() => (window as any).calls.length === 2);
  await page.evaluate(() => (window as any).gate.forEach((release: () => void) => release()));
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'pass');
  const r = await page.evaluate(async () => {
    const w = window as any;
    const files = await w.screen.settled();
    return { aborted: w.calls.map((c: any) => c.signal.aborted), log: w.log.map((e: any) => [e.name, e.decision]), files: files.map((f: any) => f.file.name) };
  });
  expect(r.aborted).toEqual([true, false]);
  expect(r.log).toEqual([['second.png', 'pass']]);
  expect(r.files).toEqual(['second.png']);
  await page.locator('#send').click();
  expect(await page.evaluate(() => (window as any).submitted)).toBe(1);
});

test('a file that cannot be decoded is reported and counts as review', async ({ harness, page }) => {
  await openForm(page, harness);
  const broken = Buffer.concat([VERDICT_IMAGES.pass().subarray(0, 60)]);
  await page.locator('#files').setInputFiles([{ name: 'broken.png', mimeType: 'image/png', buffer: broken }]);
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'review');
  const log = await page.evaluate(() => (window as any).log);
  expect(log).toEqual([expect.objectContaining({ type: 'veil:error', name: 'broken.png', code: '4003' })]);
  await expect(page.locator('[data-veil-live]')).toContainText('broken.png: could not be checked');
});

test('typing stays smooth while six images are screened: every key lands, no long task', async ({ harness, page }) => {
  await openForm(page, harness);
  const kinds = ['pass', 'block', 'review', 'pass', 'block', 'review'] as const;
  const main = await watchMainThread(page, async () => {
    await page.locator('#files').setInputFiles(kinds.map((k, i) => png(`photo-${i}.png`, k)));
    await page.locator('#title').pressSequentially('Holiday pictures from the coast', { delay: 15 });
    await page.waitForFunction(() => (window as any).log.length === 6);
  });
  await expect(page.locator('#title')).toHaveValue('Holiday pictures from the coast');
  console.log(`typing while screening 6 files: long tasks ${JSON.stringify(main.longTasks)}, most CPU in one task ${main.maxCpuMs} ms`);
  // As in the feed test: a long task may only be waiting for a core, not work.
  expect(main.maxCpuMs).toBeLessThanOrEqual(50);
  expect(main.longTasks.length).toBeLessThanOrEqual(main.wallLong);
});

test('a lone file input, and a drop zone without one, are screened as well', async ({ harness, page }) => {
  await harness.open();
  await page.evaluate(async (model) => {
    const w = window as any;
    document.body.innerHTML = '<input id="single" type="file" /><div id="zone" tabindex="0">Drop files here</div>';
    w.real = await w.veil.createDetector({ model, providers: ['wasm'] });
    w.input = w.veil.screenUploads(document.getElementById('single'), { detector: w.real });
    w.zone = w.veil.screenUploads(document.getElementById('zone'), { detector: w.real, holdWhileScanning: false });
  }, modelUrl(320));
  await page.locator('#single').setInputFiles([png('one.png', 'review')]);
  await expect(page.locator('#single')).toHaveAttribute('data-veil', 'review');
  expect(await page.locator('#single').evaluate((el: HTMLInputElement) => el.validity.valid)).toBe(true);

  const drop = (name: string, data: number[]) =>
    page.evaluate(
      ({ name, data }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(data)], name, { type: 'image/png' }));
        document.getElementById('zone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { name, data },
    );
  await drop('a.png', [...VERDICT_IMAGES.pass()]);
  await drop('b.png', [...VERDICT_IMAGES.block()]);
  await expect(page.locator('#zone')).toHaveAttribute('data-veil', 'block');
  const files = await page.evaluate(async () => (await (window as any).zone.settled()).map((f: any) => [f.file.name, f.state, f.input]));
  expect(files).toEqual([['a.png', 'pass', null], ['b.png', 'block', null]]);
});

test('dispose() removes every listener, attribute and element it added', async ({ harness, page }) => {
  await harness.open();
  const cdp = await page.context().newCDPSession(page);
  const listeners = async (selector: string) => {
    const { result } = await cdp.send('Runtime.evaluate', { expression: `document.querySelector('${selector}')` });
    const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId! });
    return listeners.map((l) => l.type).sort();
  };
  await page.evaluate(() => {
    document.body.innerHTML = '<form id="form"><input id="files" type="file" multiple /></form>';
  });
  const before = { form: await listeners('#form'), input: await listeners('#files') };
  await page.evaluate(async () => {
    const { screenUploads } = (window as any).veil;
    (window as any).screen = screenUploads(document.getElementById('form'), { detector: { detect: () => new Promise(() => {}) } });
  });
  const during = await listeners('#form');
  expect(during).toEqual(expect.arrayContaining(['change', 'paste', 'dragover', 'dragleave', 'drop', 'reset']));
  await page.locator('#files').setInputFiles([png('a.png', 'pass')]);
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'scanning');

  await page.evaluate(() => (window as any).screen.dispose());
  expect({ form: await listeners('#form'), input: await listeners('#files') }).toEqual(before);
  const left = await page.evaluate(() => ({
    html: document.body.innerHTML,
    validity: (document.getElementById('files') as HTMLInputElement).validationMessage,
  }));
  expect(left.html).toBe('<form id="form"><input id="files" type="file" multiple=""></form>');
  expect(left.validity).toBe('');
});

test('files Veil refuses are held back with a sentence saying why, unless the site lets them through', async ({ harness, page }) => {
  await harness.open();
  const svg = { name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>') };
  const heic = { name: 'phone.heic', mimeType: 'image/heic', buffer: Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic')]) };
  const big = { name: 'huge.png', mimeType: 'image/png', buffer: Buffer.concat([VERDICT_IMAGES.pass(), Buffer.alloc(300_000)]) };
  const text = { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not an image at all, only text') };
  await page.evaluate(async (model) => {
    const { createDetector, screenUploads } = (window as any).veil;
    document.body.innerHTML = `
      <form id="strict"><input id="images" type="file" multiple accept="image/*" /><button id="send">Send</button></form>
      <form id="lenient"><input id="any" type="file" multiple accept="image/*" /></form>`;
    const w = window as any;
    w.submitted = 0;
    w.refusals = [];
    document.getElementById('strict')!.addEventListener('submit', (e) => (e.preventDefault(), w.submitted++));
    document.getElementById('strict')!.addEventListener('veil:refused', (e: any) => w.refusals.push([e.detail.file.name, e.detail.reason]));
    const detector = await createDetector({ model, providers: ['wasm'], limits: { maxBytes: 200_000 } });
    w.strict = screenUploads(document.getElementById('strict'), { detector });
    w.lenient = screenUploads(document.getElementById('lenient'), { detector, onRefused: 'pass' });
  }, modelUrl(320));

  await page.locator('#images').setInputFiles([svg, heic, big, text, png('beach.png', 'pass')]);
  await expect(page.locator('#strict')).toHaveAttribute('data-veil', 'block');
  const files = await page.evaluate(async () => (await (window as any).strict.settled()).map((f: any) => [f.file.name, f.state, f.reason ?? null]));
  expect(files).toEqual([
    ['logo.svg', 'refused', 'format'],
    ['phone.heic', 'refused', 'format'],
    ['huge.png', 'refused', 'size'],
    ['photo.jpg', 'refused', 'not-an-image'],
    ['beach.png', 'pass', null],
  ]);
  expect((await page.evaluate(() => (window as any).refusals)).length).toBe(4);
  await page.locator('#send').click();
  expect(await page.evaluate(() => (window as any).submitted)).toBe(0);
  const message = await page.locator('#images').evaluate((el: HTMLInputElement) => el.validationMessage);
  expect(message).toContain('“logo.svg” cannot be uploaded: this kind of image is not accepted here.');
  // Its size and the limit's (200,000 bytes), and what to do that a camera's owner can do.
  expect(message).toContain("“huge.png” cannot be uploaded: it is 0.3 MB, and files up to 0.1 MB can be checked here. To send it, take the photo at your camera's standard resolution");
  expect(message).toContain('“photo.jpg” cannot be uploaded: it is not an image.');

  // A site that wants them anyway says so with onRefused.
  await page.locator('#any').setInputFiles([svg, png('beach.png', 'pass')]);
  await page.evaluate(() => (window as any).lenient.settled());
  await expect(page.locator('#lenient')).toHaveAttribute('data-veil', 'pass');
  expect(await page.locator('#any').evaluate((el: HTMLInputElement) => el.validity.valid)).toBe(true);
});

test('a detector made by a function: made once the user reaches for the input, once only, and disposed with the helper', async ({ harness, page }) => {
  await harness.open();
  await page.evaluate((model) => {
    const w = window as any;
    document.body.innerHTML = '<form id="form"><input id="title" /><input id="files" type="file" multiple /></form>';
    w.made = 0;
    w.screen = w.veil.screenUploads(document.getElementById('form'), {
      detector: () => {
        w.made++;
        return w.veil.createDetector({ model, providers: ['wasm'] }).then((d: any) => (w.detector = d));
      },
    });
  }, modelUrl(320));
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => (window as any).made)).toBe(0); // nothing started with the page
  await page.locator('#title').focus();
  await expect.poll(() => page.evaluate(() => (window as any).made)).toBe(1);
  await page.locator('#files').setInputFiles([png('a.png', 'pass'), png('b.png', 'block')]);
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'block');
  const after = await page.evaluate(async () => {
    const w = window as any;
    const made = w.made;
    w.screen.dispose();
    const code = await w.detector.detect(new ImageData(8, 8)).then(
      () => 'served',
      (e: any) => e.code,
    );
    return { made, code };
  });
  expect(after).toEqual({ made: 1, code: '4100' }); // the helper's own detector went with it
});
