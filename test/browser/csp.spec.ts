/**
 * Veil under a strict Content Security Policy (no eval; WebAssembly through
 * 'wasm-unsafe-eval' only) with Trusted Types enforced, sent site-wide as servers
 * do: on the page and on the worker scripts. docs/limits-and-security.md documents this policy.
 */
import { startServer, type TestServer } from '../support/server.js';
import { imageUrl, modelUrl } from '../support/fixture-data.js';
import { expect, test } from './fixtures.js';

const STRICT =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; object-src 'none'; base-uri 'none'; require-trusted-types-for 'script'";

for (const [policies, threads] of [['veil', 1], ['veil default', 2]] as const) {
  test(`strict CSP, Trusted Types with "trusted-types ${policies}": screens, on ${threads} WASM thread(s)`, async ({ page }) => {
    const server: TestServer = await startServer({ csp: `${STRICT}; trusted-types ${policies}` });
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Trusted Type|TrustedScriptURL/i.test(m.text())) violations.push(m.text());
    });
    try {
      await page.goto(`${server.url}/test/browser/harness-csp.html`);
      await page.waitForFunction(() => 'veil' in window);
      const r = await page.evaluate(
        async ({ model, url }) => {
          const detector = await (window as any).veil.createDetector({ model, providers: ['wasm'] });
          const result = await detector.detect(url);
          detector.dispose();
          return { decision: result.decision, threads: detector.info.threads, notes: result.notes };
        },
        { model: modelUrl(320), url: imageUrl('landscape-640x480.jpg') },
      );
      expect(r.decision).toBe('block');
      expect(r.threads).toBe(threads);
      if (threads === 1) expect(r.notes[0]).toMatch(/^WASM runs on one thread: this site's Trusted Types policy/);
      expect(violations).toEqual([]);
    } finally {
      await server.close();
    }
  });
}
