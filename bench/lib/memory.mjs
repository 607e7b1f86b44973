// @ts-check
/**
 * What the detector holds in memory, read from outside the page so the act of
 * measuring allocates nothing in it:
 *  - rendererRssBytes: resident memory of the page's renderer process
 *    (/proc/PID/status VmRSS), which holds the page, the detector worker and its
 *    WASM threads: the JS heaps, onnxruntime's WASM memory, canvases and decoded
 *    images. The memory phase runs Veil alone in its own browser, so nothing else
 *    is in that process.
 *  - workerHeapBytes: the detector worker's JS heap in use plus the ArrayBuffer
 *    backing stores it holds, after a forced garbage collection (CDP
 *    HeapProfiler.collectGarbage, Runtime.getHeapUsage). WASM memory is not in
 *    it, and onnxruntime's thread workers are left out: they sit in a blocking
 *    wait between runs and never answer the debugger.
 */
import { readFileSync } from 'node:fs';

/** @typedef {import('@playwright/test').Page} Page */
/** @typedef {import('@playwright/test').Browser} Browser */

/** @param {Page} page @param {(url: string) => boolean} pick */
async function workerSessions(page, pick) {
  const cdp = await page.context().newCDPSession(page);
  const { targetInfos } = await cdp.send('Target.getTargets');
  const workers = targetInfos.filter((t) => t.type === 'worker' && pick(t.url));
  let id = 0;
  /** @type {Map<number, (value: any) => void>} */
  const pending = new Map();
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    const message = JSON.parse(event.message);
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  });
  const sessions = [];
  for (const worker of workers) {
    // Not flattened: Playwright's CDPSession routes replies for its own session only.
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false });
    sessions.push({
      url: worker.url,
      /** @param {string} method */
      send: (method) =>
        new Promise((resolve, reject) => {
          const messageId = ++id;
          const timer = setTimeout(() => reject(new Error(`${method} got no answer from ${worker.url}`)), 10_000);
          pending.set(messageId, (value) => {
            clearTimeout(timer);
            resolve(value);
          });
          void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: messageId, method, params: {} }) });
        }),
    });
  }
  return { cdp, sessions };
}

/** The renderer with the most resident memory: in a browser with one page, that page's process. */
async function rendererRss(/** @type {Browser} */ browser) {
  const session = await browser.newBrowserCDPSession();
  const { processInfo } = /** @type {{ processInfo: { type: string, id: number }[] }} */ (await session.send('SystemInfo.getProcessInfo'));
  await session.detach();
  let best = 0;
  for (const { type, id } of processInfo) {
    if (type !== 'renderer') continue;
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${id}/status`, 'utf8'))?.[1] ?? 0);
      best = Math.max(best, kb * 1024);
    } catch {
      // the process ended meanwhile
    }
  }
  return best;
}

/**
 * @param {Browser} browser @param {Page} page
 * @param {(url: string) => boolean} isDetectorWorker
 */
export async function measureMemory(browser, page, isDetectorWorker) {
  const { cdp, sessions } = await workerSessions(page, isDetectorWorker);
  let workerHeapBytes = 0;
  for (const s of sessions) {
    await s.send('HeapProfiler.collectGarbage');
    const usage = await s.send('Runtime.getHeapUsage');
    workerHeapBytes += usage.usedSize + (usage.backingStorageSize ?? 0);
  }
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.detach();
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { rendererRssBytes: await rendererRss(browser), workerHeapBytes, workers: sessions.length };
}
