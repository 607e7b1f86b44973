/**
 * The fuzz run: byte-level mutations of a valid image of each format. Every case
 * must resolve to a result or a VeilError within its timeout; the worker must
 * keep serving. The seed is printed and recorded so a failure can be replayed:
 * VEIL_FUZZ_SEED=<seed> VEIL_FUZZ_CASES=<n> npm run reliability.
 */
import { expect, test } from '../test/browser/fixtures.js';
import { modelUrl } from '../test/support/fixture-data.js';
import { recordGroup } from './record.js';

const SEED = Number(process.env.VEIL_FUZZ_SEED ?? 20261122);
const CASES = Number(process.env.VEIL_FUZZ_CASES ?? 500);
const FORMATS = ['jpg', 'png', 'gif', 'webp', 'bmp'];

for (const format of FORMATS) {
  test(`fuzz ${format}: ${CASES} mutations`, async ({ harness, page }) => {
    await harness.open();
    const outcome = await page.evaluate(
      async ({ model, url, seed, cases }) => {
        const veil = (window as any).veil;
        const detector = await veil.createDetector({ model, providers: ['wasm'], cache: false });
        const original = new Uint8Array(await (await fetch(url)).arrayBuffer());

        // mulberry32: small, seeded, repeatable
        let state = seed >>> 0;
        const random = () => {
          state = (state + 0x6d2b79f5) >>> 0;
          let t = state;
          t = Math.imul(t ^ (t >>> 15), t | 1);
          t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
          return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
        };
        const int = (n: number) => Math.floor(random() * n);
        const strategies: Record<string, (b: Uint8Array) => Uint8Array> = {
          flip: (b) => {
            const out = b.slice();
            for (let k = 1 + int(16); k > 0; k--) out[int(out.length)] = int(256);
            return out;
          },
          header: (b) => {
            const out = b.slice();
            for (let k = 1 + int(4); k > 0; k--) out[int(Math.min(64, out.length))] = int(256);
            return out;
          },
          truncate: (b) => b.slice(0, int(b.length)),
          zero: (b) => {
            const out = b.slice();
            const start = int(out.length);
            out.fill(0, start, start + 1 + int(256));
            return out;
          },
          insert: (b) => {
            const at = int(b.length);
            const junk = Uint8Array.from({ length: 1 + int(64) }, () => int(256));
            const out = new Uint8Array(b.length + junk.length);
            out.set(b.subarray(0, at));
            out.set(junk, at);
            out.set(b.subarray(at), at + junk.length);
            return out;
          },
          markers: (b) => {
            const out = b.slice();
            for (let k = 1 + int(8); k > 0; k--) out[int(out.length)] = 0xff;
            return out;
          },
        };
        const names = Object.keys(strategies);
        const counts = { result: 0, veilError: 0, untyped: 0, hang: 0 };
        const codes: Record<string, number> = {};
        const failures: string[] = [];
        for (let i = 0; i < cases; i++) {
          const strategy = names[int(names.length)]!;
          const mutated = strategies[strategy]!(original);
          const timeout = new Promise((resolve) => setTimeout(() => resolve('hang'), 15_000));
          const outcome = await Promise.race([
            detector.detect(mutated).then(
              () => 'result',
              (e: any) => (veil.isVeilError(e) ? `code ${e.code}` : `untyped ${String(e)}`),
            ),
            timeout,
          ]);
          if (outcome === 'result') counts.result++;
          else if (outcome === 'hang') {
            counts.hang++;
            failures.push(`case ${i} (${strategy}) did not settle within 15 s`);
          } else if (String(outcome).startsWith('code')) {
            counts.veilError++;
            codes[String(outcome)] = (codes[String(outcome)] ?? 0) + 1;
          } else {
            counts.untyped++;
            failures.push(`case ${i} (${strategy}): ${outcome}`);
          }
        }
        const stillServing = (await detector.detect(original)).decision;
        detector.dispose();
        return { counts, codes, failures, stillServing };
      },
      { model: modelUrl(320), url: `/test/.cache/hostile/seed.${format}`, seed: SEED + FORMATS.indexOf(format), cases: CASES },
    );
    const passed = outcome.counts.result + outcome.counts.veilError;
    recordGroup(`fuzz-${format}`, {
      tried: CASES,
      passed: outcome.stillServing ? passed : 0,
      failures: outcome.failures,
      details: { seed: SEED + FORMATS.indexOf(format), ...outcome.counts, codes: outcome.codes, stillServing: outcome.stillServing },
    });
    console.log(`fuzz ${format}: seed ${SEED + FORMATS.indexOf(format)}, ${JSON.stringify(outcome.counts)} ${JSON.stringify(outcome.codes)}`);
    expect(outcome.failures).toEqual([]);
    expect(outcome.stillServing).toBe('block');
  });
}
