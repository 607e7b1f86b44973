import type { Page } from '@playwright/test';

/** Closes the detector's worker from inside, as a crash would end it; returns how many were closed. */
export async function killDetectorWorker(page: Page): Promise<number> {
  let killed = 0;
  for (const worker of page.workers().filter((w) => /\/dist\/worker\.js$/.test(w.url()))) {
    // A worker already gone (the one killed before) refuses to evaluate.
    killed += await worker.evaluate(() => self.close()).then(() => 1, () => 0);
  }
  return killed;
}
