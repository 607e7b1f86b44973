/**
 * What a hostile user, rather than a hostile file, could do through the page:
 * keep refused files in an upload form, move every later image to the remote
 * service with one input, or get an API key written to disk by the result cache.
 * Each case records whether Veil held.
 */
import { expect, test } from '../test/browser/fixtures.js';
import { imageUrl, modelUrl } from '../test/support/fixture-data.js';
import { startReplayServer } from '../test/support/replay-server.js';
import { GATEWAY_OK } from '../test/fixtures/documented-bodies.js';
import { recordGroup } from './record.js';

test('security-page: refused uploads held back, the API key kept out of IndexedDB', async ({ harness, page }) => {
  const gateway = await startReplayServer();
  gateway.reply({ body: GATEWAY_OK });
  await harness.open();
  try {
    const r = await page.evaluate(
      async ({ model, endpoint, photo }) => {
        const { createDetector, screenUploads } = (window as any).veil;
        document.body.innerHTML = '<form id="f"><input id="i" type="file" multiple accept="image/*" /></form>';
        const detector = await createDetector({ model, providers: ['wasm'], limits: { maxBytes: 200_000 } });
        const screen = screenUploads(document.getElementById('f'), { detector });
        const input = document.getElementById('i') as HTMLInputElement;
        const files: Record<string, File> = {
          'an SVG': new File(['<svg xmlns="http://www.w3.org/2000/svg"/>'], 'a.svg', { type: 'image/svg+xml' }),
          'a HEIC': new File([new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112, 104, 101, 105, 99, 0, 0, 0, 0])], 'a.heic'),
          'a TIFF': new File([new Uint8Array([73, 73, 42, 0, 8, 0, 0, 0])], 'a.tif'),
          'a file over maxBytes': new File([new Uint8Array(300_000)], 'big.png', { type: 'image/png' }),
          'text named .jpg in an image-only input': new File(['hello'], 'a.jpg', { type: 'image/jpeg' }),
        };
        const list = new DataTransfer();
        for (const file of Object.values(files)) list.items.add(file);
        input.files = list.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
        const settled = await screen.settled();
        const uploads = Object.fromEntries(Object.keys(files).map((name, i) => [name, { state: settled[i].state, valid: input.validity.valid }]));
        screen.dispose();
        detector.dispose();

        const remote = await createDetector({ mode: 'remote', cache: 'indexeddb', remote: { url: `${endpoint}?apikey=sk_in_the_url` } });
        await remote.detect(photo);
        remote.dispose();
        const db: IDBDatabase = await new Promise((resolve) => {
          const request = indexedDB.open('veil-cache');
          request.onsuccess = () => resolve(request.result);
        });
        const keys: unknown[] = await new Promise((resolve) => {
          const request = db.transaction('results').objectStore('results').getAllKeys();
          request.onsuccess = () => resolve(request.result);
        });
        return { uploads, keyOnDisk: JSON.stringify(keys).includes('sk_in_the_url'), cached: keys.length };
      },
      { model: modelUrl(320), endpoint: `${gateway.url}/api/image-nsfw`, photo: imageUrl('landscape-640x480.jpg') },
    );
    const failures: string[] = [];
    for (const [name, { state, valid }] of Object.entries(r.uploads)) {
      if (state !== 'refused' || valid) failures.push(`${name}: ${state}, form ${valid ? 'submittable' : 'held back'}`);
    }
    if (r.keyOnDisk || r.cached !== 1) failures.push(`result cache: ${r.cached} entries, API key on disk: ${r.keyOnDisk}`);
    const tried = Object.keys(r.uploads).length + 1;
    recordGroup('security-page', { tried, passed: tried - failures.length, failures });
    expect(failures).toEqual([]);
  } finally {
    await gateway.close();
  }
});
