/**
 * screenUploads with video clips: a clip is screened with detectVideo() and held
 * back, like an image, when a sampled frame blocks, with the second it blocked
 * at in the validation message and the live region; clips an input does not
 * take, or the browser cannot read, are refused with their own sentence.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { ROOT, modelUrl } from '../support/fixture-data.js';
import { VERDICT_IMAGES } from '../support/png.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const CLIPS = join(ROOT, 'test/.cache/camera');
const clip = (file: string, name = file) => ({ name, mimeType: 'video/webm', buffer: readFileSync(join(CLIPS, file)) });
const png = (name: string, kind: keyof typeof VERDICT_IMAGES) => ({ name, mimeType: 'image/png', buffer: VERDICT_IMAGES[kind]() });

test.beforeAll(() => expect(existsSync(join(CLIPS, 'blocks-at-2s.webm')), 'the clips are missing: run node test/fixtures/prepare.mjs (npm test does)').toBe(true));

/** A form with one file input taking `accept`, screened with the fixture model; `video: false` gives a detector without detectVideo. */
async function openForm(page: Page, harness: { open(): Promise<void> }, { accept = 'image/*,video/*', video = true } = {}) {
  await harness.open();
  await page.evaluate(
    async ({ model, accept, video }) => {
      const w = window as any;
      document.body.innerHTML = `<form id="form"><input id="files" name="files" type="file" multiple accept="${accept}" /><button id="send">Send</button></form>`;
      w.log = [];
      w.said = [];
      w.submitted = 0;
      const form = document.getElementById('form')!;
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        w.submitted++;
      });
      for (const type of ['veil:result', 'veil:error', 'veil:refused', 'veil:skip']) {
        form.addEventListener(type, (e: any) => w.log.push({ type, name: e.detail.file.name, result: e.detail.result, code: e.detail.error?.code, reason: e.detail.reason }));
      }
      new MutationObserver(() => {
        const text = document.querySelector('[data-veil-live]')?.textContent;
        if (text) w.said.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
      const real = await w.veil.createDetector({ model, providers: ['wasm'] });
      const detector = video ? real : { detect: (input: File, options: object) => real.detect(input, options) };
      w.screen = w.veil.screenUploads(form, { detector });
    },
    { model: modelUrl(320), accept, video },
  );
}

const states = (page: Page) => page.evaluate(() => (window as any).screen.files().map((f: any) => [f.file.name, f.state]));

test('a clip that blocks at 2 s holds the form back and says when; a clean clip and an image pass', async ({ harness, page, consoleErrors }) => {
  await openForm(page, harness);
  await page.locator('#files').setInputFiles([clip('blocks-at-2s.webm', 'party.webm'), clip('clean.webm', 'beach.webm'), png('photo.png', 'pass')]);
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'block', { timeout: 60_000 });
  await page.waitForFunction(() => (window as any).log.length === 3, null, { timeout: 60_000 });
  expect(await states(page)).toEqual([['party.webm', 'block'], ['beach.webm', 'pass'], ['photo.png', 'pass']]);

  const log = await page.evaluate(() => (window as any).log);
  const party = log.find((e: any) => e.name === 'party.webm');
  expect(party.type).toBe('veil:result');
  expect(party.result.video).toMatchObject({ decided_at_s: 2, mime: 'video/webm' });
  expect(party.result.detections[0]).toMatchObject({ cls: 'FEMALE_BREAST_EXPOSED' });
  expect(log.find((e: any) => e.name === 'beach.webm').result).toMatchObject({ decision: 'pass', video: { mime: 'video/webm' } });

  // The browser refuses the form, and the message says where in the clip.
  await page.locator('#send').click();
  expect(await page.evaluate(() => (window as any).submitted)).toBe(0);
  const message = await page.locator('#files').evaluate((el: HTMLInputElement) => el.validationMessage);
  expect(message).toBe('“party.webm” (at 0:02) cannot be uploaded: it appears to contain nudity. Remove it or choose another video.');
  await expect.poll(() => page.evaluate(() => (window as any).said.join(' '))).toContain('party.webm: blocked, at 0:02 it appears to contain nudity.');
  await expect(page.locator('#form')).toHaveAttribute('data-veil', 'block');

  // Without the blocked clip the form goes.
  await page.locator('#files').setInputFiles([clip('clean.webm', 'beach.webm')]);
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'pass', { timeout: 60_000 });
  await page.locator('#send').click();
  expect(await page.evaluate(() => (window as any).submitted)).toBe(1);
  expect(consoleErrors).toEqual([]);
});

test('a clip is checked as soon as it is picked; an input that takes only images refuses a clip', async ({ harness, page }) => {
  await openForm(page, harness);
  await page.locator('#files').setInputFiles([clip('clean.webm')]);
  await expect(page.locator('#files')).toHaveAttribute('data-veil', /scanning|pass/);
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'pass', { timeout: 60_000 });

  await openForm(page, harness, { accept: 'image/*' });
  await page.locator('#files').setInputFiles([clip('clean.webm')]);
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'block');
  expect(await states(page)).toEqual([['clean.webm', 'refused']]);
  expect(await page.locator('#files').evaluate((el: HTMLInputElement) => el.validationMessage)).toContain('“clean.webm” cannot be uploaded: it is not an image.');
});

test('a clip the browser cannot read is refused for its format; a detector without detectVideo counts clips as errors', async ({ harness, page }) => {
  await openForm(page, harness);
  // Declared a WebM, but no container Veil reads.
  await page.locator('#files').setInputFiles([{ name: 'broken.webm', mimeType: 'video/webm', buffer: Buffer.from('not a video at all, just text') }]);
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'block', { timeout: 60_000 });
  expect(await states(page)).toEqual([['broken.webm', 'refused']]);
  expect(await page.evaluate(() => (window as any).log)).toEqual([expect.objectContaining({ type: 'veil:refused', reason: 'format', code: '4050' })]);
  expect(await page.locator('#files').evaluate((el: HTMLInputElement) => el.validationMessage)).toBe(
    '“broken.webm” cannot be uploaded: this kind of video cannot be checked here. Choose a WebM or MP4 video.',
  );

  await openForm(page, harness, { video: false });
  await page.locator('#files').setInputFiles([clip('blocks-at-2s.webm')]);
  // Not let through unchecked: an unreadable file counts as review by default.
  await expect(page.locator('#files')).toHaveAttribute('data-veil', 'review');
  expect(await page.evaluate(() => (window as any).log)).toEqual([expect.objectContaining({ type: 'veil:error', code: '4001' })]);
});
