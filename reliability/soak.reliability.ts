/**
 * The soak: 1,000 detections in a row, then 200 submitted at once. Every call is
 * answered with the result for its own image (checked by SHA-256 and by what it
 * detects), and the page's memory after the run (workers included, as
 * measureUserAgentSpecificMemory counts it) stays within 10 % of after warm-up.
 */
import { expect, test } from '../test/browser/fixtures.js';
import { modelUrl } from '../test/support/fixture-data.js';
import { recordGroup } from './record.js';

const SEQUENTIAL = Number(process.env.VEIL_SOAK_SEQUENTIAL ?? 1000);
const CONCURRENT = Number(process.env.VEIL_SOAK_CONCURRENT ?? 200);

test(`soak: ${SEQUENTIAL} in a row, ${CONCURRENT} at once`, async ({ harness, page }) => {
  await harness.open();
  const r = await page.evaluate(
    async ({ model, sequential, concurrent }) => {
      const veil = (window as any).veil;
      // Result caching off: every call is scanned, as with a stream of new images.
      const detector = await veil.createDetector({ model, providers: ['wasm'], cache: false });

      // 40 distinct JPEGs: a red patch (block) on half, a green one (pass) on the rest.
      const images: { blob: Blob; sha256: string; decision: string }[] = [];
      for (let i = 0; i < 40; i++) {
        const canvas = new OffscreenCanvas(320, 240);
        const ctx = canvas.getContext('2d')!;
        ctx.fillStyle = `rgb(${100 + i},${110 + (i % 7)},120)`;
        ctx.fillRect(0, 0, 320, 240);
        ctx.fillStyle = i % 2 ? 'rgb(255,0,0)' : 'rgb(0,255,0)';
        ctx.fillRect(20 + i * 3, 30, 90, 80);
        const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.95 });
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
        images.push({ blob, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''), decision: i % 2 ? 'block' : 'pass' });
      }
      const memory = async () => {
        (globalThis as any).gc?.();
        return ((await (performance as any).measureUserAgentSpecificMemory()) as { bytes: number }).bytes;
      };
      const check = (i: number, result: any) =>
        result.input.sha256 === images[i % images.length]!.sha256 && result.decision === images[i % images.length]!.decision;

      for (let i = 0; i < 40; i++) await detector.detect(images[i]!.blob); // warm-up
      const warm = await memory();
      let sequentialOk = 0;
      const failures: string[] = [];
      for (let i = 0; i < sequential; i++) {
        const result = await detector.detect(images[i % images.length]!.blob);
        if (check(i, result)) sequentialOk++;
        else if (failures.length < 20) failures.push(`call ${i}: got ${result.input.sha256.slice(0, 8)} ${result.decision}`);
      }
      const burst = await Promise.all(
        Array.from({ length: concurrent }, (_, i) =>
          detector.detect(images[(i * 7) % images.length]!.blob).then(
            (result: any) => check((i * 7) % images.length, result),
            () => false,
          ),
        ),
      );
      const after = await memory();
      detector.dispose();
      return { sequentialOk, burstOk: burst.filter(Boolean).length, warm, after, failures };
    },
    { model: modelUrl(320), sequential: SEQUENTIAL, concurrent: CONCURRENT },
  );
  const growth = ((r.after - r.warm) / r.warm) * 100;
  console.log(`soak: ${r.sequentialOk}/${SEQUENTIAL} in a row, ${r.burstOk}/${CONCURRENT} at once; memory ${(r.warm / 1e6).toFixed(1)} MB after warm-up, ${(r.after / 1e6).toFixed(1)} MB after (${growth.toFixed(1)} %)`);
  recordGroup('soak-sequential', { tried: SEQUENTIAL, passed: r.sequentialOk, failures: r.failures });
  recordGroup('soak-concurrent', { tried: CONCURRENT, passed: r.burstOk });
  recordGroup('soak-memory', {
    tried: 1,
    passed: growth <= 10 ? 1 : 0,
    details: { warm_mb: +(r.warm / 1e6).toFixed(1), after_mb: +(r.after / 1e6).toFixed(1), growth_pct: +growth.toFixed(1) },
  });
  expect(r.sequentialOk).toBe(SEQUENTIAL);
  expect(r.burstOk).toBe(CONCURRENT);
  expect(growth).toBeLessThanOrEqual(10);
});
