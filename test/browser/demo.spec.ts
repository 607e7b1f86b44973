/**
 * The demo page as a person uses it, served by its own dev server (what
 * `npm start` runs): each tab driven by mouse, keyboard, file chooser, drop and
 * paste, with what the page shows asserted and screenshots saved at phone and
 * desktop widths under test/screenshots/ for people to look at. Most tests open
 * it as `?model=test`, on the project's test model, whose verdicts on flat colour
 * patches are known; the default (the whole-image classifier on real photos) has
 * its own tests.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { ROOT } from '../support/fixture-data.js';
import { DESKTOP, dropFile, shoot, startDemoServer, type DemoServer } from '../support/demo-server.js';
import { VERDICT_IMAGES } from '../support/png.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../../playwright.config.js';
import { test as base, expect } from './fixtures.js';

const PHOTOS = join(ROOT, 'test/.cache/photos');
const CLIPS = join(ROOT, 'test/.cache/camera');
/** The camera plays this clip (clean, then blocked from 0:03 to 0:06, in a loop). */
const CAMERA_CLIP = join(CLIPS, 'alternating.y4m');

/** Whether NudeNet's weights are installed, in which case the default runs NudeNet and the classifier together. */
const NUDENET = existsSync(join(ROOT, 'public/models/320n.onnx'));

const test = base.extend<{ demo: Page }, { demoServer: DemoServer }>({
  demoServer: [
    async ({}, use) => {
      // With the samples `npm start` writes, made from the tests' own photos.
      const server = await startDemoServer({ photos: PHOTOS });
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  demo: async ({ page, demoServer }, use) => {
    await page.setViewportSize(DESKTOP);
    await page.goto(`${demoServer.url}?model=test`);
    await expect(page.locator('#model-title')).toContainText('Ready:', { timeout: 60_000 });
    await use(page);
  },
});

test.use({
  launchOptions: {
    executablePath: CHROMIUM,
    args: [
      ...CHROMIUM_ARGS,
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      ...(existsSync(CAMERA_CLIP) ? [`--use-file-for-fake-video-capture=${CAMERA_CLIP}`] : []),
    ],
  },
});

const png = (name: string, kind: keyof typeof VERDICT_IMAGES) => ({ name, mimeType: 'image/png', buffer: VERDICT_IMAGES[kind]() });

test('the page is served cross-origin isolated and says plainly which model it runs', async ({ demo: page, consoleErrors }) => {
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.locator('#model-title')).toHaveText(/Ready: Veil's test model on (WASM, \d+ threads?|WebGPU)/);
  await expect(page.locator('#model-notice')).toContainText("Running on Veil's test model, not NudeNet.");
  await expect(page.locator('#model-notice')).toContainText('npm run model:fetch -- 320n');
  await expect(page.locator('#engine-chip')).toContainText('test model');
  await expect(page.locator('#model-notice')).toContainText('?model=test');
  // Its samples are the drawn ones, named by its verdicts, beside the real photos.
  await expect(page.locator('#samples button:visible')).toHaveText(['Astronaut', 'Cat', 'Coffee', 'Rocket launch', 'Hubble deep field', 'Pass', 'Review', 'Block']);
  // A fresh browser downloads the model; the next visit reads it from Cache Storage.
  await expect(page.locator('#model-detail')).toContainText('Downloaded and cached for next time.');
  await page.reload();
  await expect(page.locator('#model-title')).toContainText('Ready:', { timeout: 60_000 });
  await expect(page.locator('#model-detail')).toContainText('Loaded from this browser’s cache.');
  expect(consoleErrors).toEqual([]);
});

test('by default: the whole-image classifier, no boxes; real photos, picked or from the samples, get real verdicts', async ({ page, demoServer, consoleErrors }) => {
  await page.setViewportSize(DESKTOP);
  await page.goto(demoServer.url);
  await expect(page.locator('#model-title')).toContainText('Ready:', { timeout: 60_000 });
  if (NUDENET) {
    await expect(page.locator('#model-title')).toHaveText(/Ready: NudeNet 320n \+ MobileNetV2 classifier on/);
  } else {
    await expect(page.locator('#model-title')).toHaveText(/Ready: MobileNetV2 classifier on (WASM, \d+ threads?|WebGPU)/);
    await expect(page.locator('#model-notice')).toContainText('Whole-image classifier, no boxes.');
    await expect(page.locator('#model-notice')).toContainText('npm run model:fetch -- 320n');
    await expect(page.locator('#engine-chip')).toContainText('classifier, no boxes');
  }
  // A real model gets the real photos as samples; the drawn ones are for the test model.
  await expect(page.locator('#samples button:visible')).toHaveText(['Astronaut', 'Cat', 'Coffee', 'Rocket launch', 'Hubble deep field']);

  // A photo picked from disk: a real verdict, with the classifier's five probabilities beside the categories.
  await page.locator('#file').setInputFiles(join(PHOTOS, 'astronaut-512.jpg'));
  await expect(page.locator('#badge')).toHaveText('Pass');
  await expect(page.locator('#label')).toHaveText('normal');
  await expect(page.locator('#classifier')).toBeVisible();
  await expect(page.locator('#classifier-name')).toContainText('nsfwjs-mobilenet-v2');
  await expect(page.locator('#classifier-bars .bar-name')).toHaveText(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
  await expect(page.locator('#classifier-bars .bar-value')).toHaveText(Array(5).fill(/^[01]\.\d\d$/));
  await expect(page.locator('#credit')).toBeHidden();
  await page.getByText('Full result (JSON)').click();
  await expect(page.locator('#json')).toContainText(`"backend": "${NUDENET ? 'nudenet+' : ''}nsfwjs-mobilenet-v2"`);
  await expect(page.locator('#json')).toContainText('"source": "astronaut-512.jpg"');
  if (!NUDENET) {
    await expect(page.locator('#rt-input')).toHaveText('224 px');
    await expect(page.locator('#detections td')).toHaveText(['No boxes: the whole-image classifier ran alone.']);
  }
  // The probabilities shown are the result's own.
  const probabilities = JSON.parse((await page.locator('#json').textContent())!).raw.classifier.probabilities;
  expect(Object.values(probabilities).reduce((a: number, b) => a + (b as number), 0)).toBeCloseTo(1, 3);
  await expect(page.locator('#classifier-bars [data-name="Neutral"] .bar-value')).toHaveText(probabilities.Neutral.toFixed(2));

  // A sample photo, stored sideways with an EXIF orientation: its verdict, and its credit and licence under it.
  await page.locator('#samples').getByRole('button', { name: 'Cat' }).click();
  await expect(page.locator('#json')).toContainText('"source": "chelsea-exif6.jpg"');
  await expect(page.locator('#label')).toHaveText('normal');
  await expect(page.locator('#credit')).toHaveText('Photo: Stefan van der Walt · CC0');
  expect(await page.locator('#view').evaluate((c: HTMLCanvasElement) => c.height > c.width)).toBe(false);
  await shoot(page, 'image-classifier');
  await page.locator('#samples').getByRole('button', { name: 'Astronaut' }).click();
  await expect(page.locator('#credit')).toHaveText('Photo: NASA · public domain');
  await expect(page.locator('#label')).toHaveText('normal');
  expect(consoleErrors).toEqual([]);
});

test('without the real photos (no apt), the samples are the drawn ones', async ({ page, demoServer, consoleErrors }) => {
  // What Vite answers when public/samples/ was never made: the page itself.
  await page.route('**/samples/samples.json', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html>' }));
  await page.goto(demoServer.url);
  await expect(page.locator('#model-title')).toContainText('Ready:', { timeout: 60_000 });
  await expect(page.locator('#samples button:visible')).toHaveText(['Drawn: market street', 'Drawn: lakeside path', 'Drawn: ridge trail']);
  await page.locator('#samples').getByRole('button', { name: 'Drawn: market street' }).click();
  await expect(page.locator('#badge')).toHaveText(/^(Pass|Review|Block)$/);
  await expect(page.locator('#credit')).toBeHidden();
  expect(consoleErrors).toEqual([]);
});

test('image tab: pick, drop, paste or give a URL, and see the verdict, boxes, scores and where it ran', async ({ demo: page, server, consoleErrors }) => {
  // Picked with the keyboard: Tab to the file button, Space opens the chooser.
  await page.getByRole('tab', { name: 'Image' }).focus();
  const chooser = page.waitForEvent('filechooser');
  await page.keyboard.press('Tab');
  await expect(page.locator('#file')).toBeFocused();
  await page.keyboard.press('Space');
  await (await chooser).setFiles(png('party.png', 'block'));

  await expect(page.locator('#badge')).toHaveText('Block');
  await expect(page.locator('#label')).toHaveText('porn');
  await expect(page.locator('#score')).toHaveText('0.90');
  await expect(page.locator('.bar[data-category="porn"] .bar-value')).toHaveText('0.90');
  await expect(page.locator('.bar[data-category="normal"] .bar-value')).toHaveText('0.10');
  await expect(page.locator('#detections tr')).toHaveCount(1);
  await expect(page.locator('#detections td').first()).toHaveText('FEMALE_BREAST_EXPOSED');
  await expect(page.locator('#detections td').nth(2)).toHaveText('[100, 60, 80, 70]');
  await expect(page.locator('#rt-provider')).toHaveText(/WASM|WebGPU/);
  await expect(page.locator('#rt-model')).toHaveText('veil-fixture-320.onnx');
  await expect(page.locator('#rt-inference')).toHaveText(/^\d+ ms$/);
  // The box is drawn over the image, in the colour of porn evidence.
  const stroke = await page.locator('#view').evaluate((c: HTMLCanvasElement) => [...c.getContext('2d')!.getImageData(100, 90, 1, 1).data]);
  expect(stroke).toEqual([217, 45, 32, 255]);
  await page.getByText('Full result (JSON)').click();
  await expect(page.locator('#json')).toContainText('"decision": "block"');
  await expect(page.locator('#json')).toContainText('"source": "party.png"');
  await shoot(page, 'image-block');

  await dropFile(page, '#drop', 'dropped.png', VERDICT_IMAGES.review());
  await expect(page.locator('#badge')).toHaveText('Review');
  await expect(page.locator('#json')).toContainText('"source": "dropped.png"');

  await page.evaluate((data) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(data)], 'pasted.png', { type: 'image/png' }));
    document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, [...VERDICT_IMAGES.pass()]);
  await expect(page.locator('#badge')).toHaveText('Pass');
  await expect(page.locator('#detections td').first()).toHaveText('FACE_FEMALE');

  // A URL on another origin that allows CORS, as a user would paste one.
  await page.getByLabel('Or an image URL').fill(`${server.url}/test/.cache/images/landscape-640x480.jpg`);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(page.locator('#badge')).toHaveText('Block');
  await expect(page.locator('#json')).toContainText('"type": "url"');

  // A URL that is not an image: a clear error, not a silent failure.
  await page.getByLabel('Or an image URL').fill(`${server.url}/package.json`);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(page.locator('#badge')).toHaveText('Not checked');
  await expect(page.locator('#verdict-error')).toContainText('Error 4002');
  expect(consoleErrors.filter((e) => !e.includes('package.json'))).toEqual([]);
});

test('tabs work from the keyboard and keep their place in the URL', async ({ demo: page }) => {
  await page.getByRole('tab', { name: 'Image' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Feed' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tab', { name: 'Feed' })).toBeFocused();
  await expect(page.locator('#panel-feed')).toBeVisible();
  await expect(page.locator('#panel-image')).toBeHidden();
  await page.keyboard.press('End');
  await expect(page.locator('#panel-settings')).toBeVisible();
  expect(new URL(page.url()).hash).toBe('#settings');
  await page.reload();
  await expect(page.locator('#panel-settings')).toBeVisible();
  await page.keyboard.press('Home');
});

test('feed tab: 60 photos blurred until checked as the reader scrolls; held-back ones can be shown', async ({ demo: page, consoleErrors }) => {
  await page.getByRole('tab', { name: 'Feed' }).click();
  await expect(page.locator('#feed img')).toHaveCount(60, { timeout: 30_000 });
  // Far down the feed nothing is checked before the reader gets near it.
  await expect(page.locator('#feed img').nth(59)).toHaveAttribute('data-veil', 'pending');
  expect(await page.locator('#feed img').nth(59).evaluate((img) => getComputedStyle(img).filter)).toBe('blur(24px)');
  await expect(page.locator('#count-done')).not.toHaveText('0');
  await page.waitForTimeout(1500);
  await shoot(page, 'feed-top', { fullPage: false });

  // A screen at a time, pausing until what is on screen has been checked, as a reader looks at each photo.
  const onScreenChecked = () =>
    page.waitForFunction(() =>
      [...document.querySelectorAll('#feed img')].every((img) => {
        const r = img.getBoundingClientRect();
        return r.bottom < 0 || r.top > innerHeight || !['pending', 'scanning'].includes(img.getAttribute('data-veil') ?? '');
      }),
    );
  for (let i = 0; i < 40 && (await page.locator('#count-done').textContent()) !== '60'; i++) {
    await onScreenChecked();
    await page.mouse.wheel(0, 700);
  }
  await expect(page.locator('#count-done')).toHaveText('60', { timeout: 60_000 });
  await expect(page.locator('#count-pass')).toHaveText('36');
  await expect(page.locator('#count-review')).toHaveText('12');
  await expect(page.locator('#count-block')).toHaveText('12');

  // The third photo is for review: covered, with a button that lifts the blur.
  const third = page.locator('#feed .post').nth(2);
  await third.scrollIntoViewIfNeeded();
  await expect(third.locator('.post-state')).toHaveCSS('background-color', 'rgb(254, 243, 226)');
  const show = third.getByRole('button', { name: /^Show/ });
  await show.focus();
  await page.keyboard.press('Enter');
  await expect(third.getByRole('button', { name: /^Hide/ })).toHaveAttribute('aria-pressed', 'true');
  // The unblur transition's end, rather than a fixed wait for it.
  await expect.poll(() => third.locator('img').evaluate((img) => getComputedStyle(img).filter)).toBe('none');
  await page.keyboard.press('Enter');
  await shoot(page, 'feed-checked', { fullPage: false, focus: page.locator('#feed .post').nth(2) });

  // Only the detected parts: the same photos, checked again, with just their patches blurred.
  await page.evaluate(() => scrollTo(0, 0));
  await page.getByLabel('Blur only the detected parts').check();
  await expect(page.locator('#feed .post').nth(2).locator('.veil-cover[data-veil-regions] canvas')).toHaveCount(1, { timeout: 30_000 });
  await shoot(page, 'feed-regions', { fullPage: false, focus: page.locator('#feed .post').nth(2) });
  expect(consoleErrors).toEqual([]);
});

test('form tab: a blocked photo stops the post, removing it lets the post go', async ({ demo: page, consoleErrors }) => {
  await page.getByRole('tab', { name: 'Upload form' }).click();
  await page.getByLabel('Title').fill('A day at the coast');
  await page.getByLabel('Choose photos').setInputFiles([png('beach.png', 'pass'), png('party.png', 'block'), png('towel.png', 'review')]);
  await dropFile(page, '#post-drop', 'pier.png', VERDICT_IMAGES.pass());
  const rows = page.locator('#post-files-list li');
  await expect(rows).toHaveCount(4);
  await expect(rows.locator('.chip')).toHaveText(['Fine', 'Blocked', 'Needs review', 'Fine']);
  await expect(page.locator('#post')).toHaveAttribute('data-veil', 'block');

  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.locator('#post-error')).toContainText('“party.png” cannot be uploaded');
  await expect(page.locator('#post-done')).toBeHidden();
  await shoot(page, 'form-blocked');

  await page.getByRole('button', { name: 'Remove party.png' }).click();
  await expect(rows).toHaveCount(3);
  await expect(page.locator('#post')).toHaveAttribute('data-veil', 'review');
  await expect(page.locator('#post-error')).toBeHidden();
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.locator('#post-done')).toContainText('Published “A day at the coast” with 3 photos; 1 will be looked at by a moderator first.');
  await expect(rows).toHaveCount(0);
  await shoot(page, 'form-published');
  expect(consoleErrors).toEqual([]);
});

test('video tab: a clip scanned frame by frame along a timeline, a jump to the deciding frame, a sample clip, the live camera', async ({ demo: page, consoleErrors }) => {
  expect(existsSync(join(CLIPS, 'blocks-at-2s.webm')) && existsSync(CAMERA_CLIP), 'the clips are missing: run node test/fixtures/prepare.mjs (npm test does)').toBe(true);
  await page.getByRole('tab', { name: 'Video' }).click();
  await expect(page.locator('#video-badge')).toHaveText('No clip yet');

  // Clean at 0:00 and 0:01, blocked from 0:02: Veil stops at the first blocked frame.
  await page.getByLabel('Choose a clip').setInputFiles(join(CLIPS, 'blocks-at-2s.webm'));
  await expect(page.locator('#video-badge')).toHaveText('Block', { timeout: 60_000 });
  const frames = page.locator('#timeline .frame');
  await expect(frames).toHaveCount(3);
  expect(await frames.evaluateAll((els) => els.map((el) => [el.getAttribute('aria-label'), el.hasAttribute('data-deciding')]))).toEqual([
    ['Frame at 0:00: Pass, score 1.00', false],
    ['Frame at 0:01: Pass, score 1.00', false],
    ['Frame at 0:02: Block, score 0.90', true],
  ]);
  await expect(page.locator('#video-decided')).toHaveText('0:02');
  await expect(page.locator('#video-frames')).toHaveText('3');
  await expect(page.locator('#video-mime')).toHaveText('video/webm');
  await expect(page.locator('#video-codec')).toHaveText('vp8');
  await expect(page.locator('#video-progress')).toHaveText('3 frames screened: stopped at the first blocked one, at 0:02.');

  // The jump shows the frame that decided, paused.
  await page.getByRole('button', { name: 'Jump to the deciding frame (0:02)' }).click();
  await expect.poll(() => page.locator('#video-view').evaluate((v: HTMLVideoElement) => [v.currentTime, v.paused])).toEqual([2, true]);
  await shoot(page, 'video-clip');

  // The whole clip: every sampled frame on the timeline, the first of the blocked ones still deciding.
  await page.getByLabel('Screen the whole clip').check();
  await page.getByLabel('Choose a clip').setInputFiles(join(CLIPS, 'clean.webm'));
  await expect(page.locator('#video-badge')).toHaveText('Pass', { timeout: 60_000 });
  await page.getByLabel('Choose a clip').setInputFiles(join(CLIPS, 'blocks-at-2s.webm'));
  await expect(page.locator('#video-badge')).toHaveText('Block', { timeout: 60_000 });
  expect(await frames.count()).toBeGreaterThanOrEqual(4);
  await expect(page.locator('#timeline .frame[data-decision="block"]')).not.toHaveCount(0);
  await expect(page.locator('#video-decided')).toHaveText('0:02');
  // A marker seeks the clip to its frame.
  await frames.nth(1).click();
  await expect.poll(() => page.locator('#video-view').evaluate((v: HTMLVideoElement) => v.currentTime)).toBe(1);
  await page.getByLabel('Screen the whole clip').uncheck();

  // A sample clip, made in the page: its patch shows from 0:03.
  await page.getByRole('button', { name: 'Blocks at 0:03' }).click();
  await expect(page.locator('#video-decided')).toHaveText('0:03', { timeout: 60_000 });
  await expect(page.locator('#video-badge')).toHaveText('Block');

  // The camera under watchVideo: blurred with a cover while it shows the blocked stretch, clear again after.
  await page.getByRole('switch', { name: 'Camera' }).check();
  await expect(page.locator('#camera-view')).toBeVisible();
  await expect(page.locator('#camera-count')).not.toHaveText('0', { timeout: 30_000 });
  await expect(page.locator('#camera-view')).toHaveAttribute('data-veil', 'block', { timeout: 30_000 });
  await expect(page.locator('#camera-state')).toHaveText('Block');
  await expect(page.getByRole('button', { name: 'Show: Your camera' })).toBeVisible();
  expect(await page.locator('#camera-view').evaluate((v) => getComputedStyle(v).filter)).toContain('blur(');
  await shoot(page, 'video-camera-blocked', { focus: page.locator('.camera') });
  await expect(page.locator('#camera-view')).toHaveAttribute('data-veil', 'pass', { timeout: 30_000 });
  await expect(page.locator('.camera .veil-cover')).toHaveCount(0);
  // Off: the watch stops and the camera is released.
  await page.getByRole('switch', { name: 'Camera' }).uncheck();
  await expect(page.locator('#camera-stage')).toBeHidden();
  expect(await page.locator('#camera-view').evaluate((v: HTMLVideoElement) => [v.srcObject, v.getAttribute('data-veil'), document.querySelectorAll('.veil-cover').length])).toEqual([null, null, 0]);
  expect(consoleErrors).toEqual([]);
});

test('form tab: a clip is screened like a photo, and held back with the second it blocked at', async ({ demo: page, consoleErrors }) => {
  expect(existsSync(join(CLIPS, 'blocks-at-2s.webm')), 'the clips are missing: run node test/fixtures/prepare.mjs (npm test does)').toBe(true);
  await page.getByRole('tab', { name: 'Upload form' }).click();
  await page.getByLabel('Title').fill('Holiday clips');
  await page.getByLabel('Choose photos').setInputFiles([join(CLIPS, 'clean.webm'), join(CLIPS, 'blocks-at-2s.webm')]);
  const rows = page.locator('#post-files-list li');
  await expect(rows.locator('.chip')).toHaveText(['Fine', 'Blocked'], { timeout: 60_000 });
  await expect(rows.locator('.thumb')).toHaveText(['', 'CLIP']);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.locator('#post-error')).toHaveText('“blocks-at-2s.webm” (at 0:02) cannot be uploaded: it appears to contain nudity. Remove it or choose another video.');
  await expect(page.locator('#event-log')).toContainText('blocks-at-2s.webm: block');
  await page.getByRole('button', { name: 'Remove blocks-at-2s.webm' }).click();
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.locator('#post-done')).toContainText('Published “Holiday clips” with 1 clip.');
  expect(consoleErrors).toEqual([]);
});

test('settings: a stricter policy applies at once; remote mode says how to get a gateway', async ({ demo: page, consoleErrors }) => {
  await page.getByRole('tab', { name: 'Settings' }).click();
  await expect(page.locator('#mode-note')).toBeHidden();
  await page.getByRole('radio', { name: /Remote/ }).check();
  await expect(page.locator('#mode-note')).toContainText('Enter the gateway URL below. To run one here: npm run gateway');
  await page.getByRole('radio', { name: /Local/ }).check();
  await expect(page.locator('#mode-note')).toBeHidden();
  await page.getByLabel('Preset').selectOption('strict');
  await expect(page.getByLabel('Porn: review from')).toHaveValue('0.25');
  await expect(page.getByLabel('Porn: block from')).toHaveValue('0.45');
  await expect(page.locator('#settings-status')).toHaveText('Saved.');
  await shoot(page, 'settings');

  // Under strict, the photo balanced sends to review (porn 0.56) is blocked.
  await page.getByRole('tab', { name: 'Image' }).click();
  await page.getByRole('group', { name: 'or try a sample:' }).getByRole('button', { name: 'Review' }).click();
  await expect(page.locator('#badge')).toHaveText('Block');

  await page.getByRole('tab', { name: 'Settings' }).click();
  // Providers need a new detector: WASM only, and the page says where it now runs.
  await page.getByRole('checkbox', { name: 'WebGPU' }).uncheck();
  await expect(page.locator('#model-title')).toHaveText(/Ready: Veil's test model on WASM/);
  await expect(page.locator('#model-detail')).not.toContainText('WebGPU');

  // A review threshold above its block threshold is refused with the library's own sentence.
  await page.getByLabel('Porn: review from').fill('0.9');
  await page.getByLabel('Porn: review from').press('Tab');
  await expect(page.locator('#settings-status')).toContainText('Not applied:');

  // Settings are kept across visits.
  await page.reload();
  await expect(page.locator('#model-title')).toContainText('Ready:', { timeout: 60_000 });
  await expect(page.getByLabel('Preset')).toHaveValue('strict');
  await expect(page.getByRole('checkbox', { name: 'WebGPU' })).not.toBeChecked();
  await page.getByRole('button', { name: 'Restore defaults' }).click();
  await expect(page.getByLabel('Preset')).toHaveValue('balanced');
  expect(consoleErrors).toEqual([]);
});
