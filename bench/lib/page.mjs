// @ts-check
/** The benchmark page (bench/pages/bench.html) and calls into its window.bench. */

/** @typedef {import('@playwright/test').Page} Page */

/** @param {Page} page @param {string} serverUrl */
export async function openBenchPage(page, serverUrl) {
  page.on('pageerror', (error) => console.error('page error:', error.message));
  await page.goto(`${serverUrl}/bench/pages/bench.html`);
  await page.waitForFunction(() => 'bench' in window);
}

/** @param {Page} page @param {string} fn @param {unknown} [arg] @returns {Promise<any>} */
export const inPage = (page, fn, arg) => page.evaluate(({ fn, arg }) => /** @type {any} */ (window).bench[fn](arg), { fn, arg });
