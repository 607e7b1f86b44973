/**
 * Reads a Chrome trace for the page's main thread: each task's wall time and the
 * CPU time the thread itself spent in it. On a busy machine a task can last long
 * while the thread waits for a core; its CPU time says how much work it was.
 */
import type { Page } from '@playwright/test';

export interface MainThreadTask {
  /** Wall-clock milliseconds, what the Long Tasks API measures. */
  wallMs: number;
  /** Milliseconds the main thread was actually running. */
  cpuMs: number;
  /**
   * The task handled a DevTools message: Playwright itself at work in the page
   * (setting input files, running test code), not the page's own work.
   */
  driver: boolean;
}

/** One event of a Chrome trace, with the fields these helpers and test/extension/browser.ts read. */
export interface TraceEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: {
    name?: string;
    chrome_mojo_event_info?: { mojo_interface_tag?: string };
    data?: { frames?: { url?: string; processId?: number }[] };
  };
}

export function mainThreadTasks(trace: Buffer): MainThreadTask[] {
  const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const main = new Set(
    events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`),
  );
  if (main.size === 0) throw new Error('the trace has no renderer main thread');
  const onMain = events.filter((e) => e.ph === 'X' && main.has(`${e.pid}:${e.tid}`));
  const devtools = onMain
    .filter((e) => e.name === 'Receive mojo message' && e.args?.chrome_mojo_event_info?.mojo_interface_tag === 'blink.mojom.DevToolsSession')
    .map((e) => e.ts);
  return onMain
    .filter((e) => e.name === 'ThreadControllerImpl::RunTask')
    .map((e) => ({
      wallMs: (e.dur ?? 0) / 1000,
      cpuMs: (e.tdur ?? 0) / 1000,
      driver: devtools.some((ts) => ts >= e.ts && ts <= e.ts + (e.dur ?? 0)),
    }));
}

/**
 * What the page's main thread did while `body` ran: the Long Tasks API's entries
 * (wall-clock, from a PerformanceObserver in the page) and every task's CPU time
 * from Chrome's trace, so a long task can be told apart from a busy machine.
 */
export async function watchMainThread(page: Page, body: () => Promise<void>): Promise<MainThreadReport> {
  const browser = page.context().browser();
  if (!browser) throw new Error('tracing needs a browser, not a persistent context');
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => w.__longTasks.push(...list.getEntries().map((e) => Math.round(e.duration)))).observe({ type: 'longtask' });
  });
  await browser.startTracing(page, { categories: ['toplevel'] });
  let failure: unknown;
  try {
    await body();
  } catch (error) {
    failure = error;
  }
  const tasks = mainThreadTasks(await browser.stopTracing());
  if (failure) throw failure;
  return {
    longTasks: await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks),
    maxCpuMs: Math.round(Math.max(0, ...tasks.filter((t) => !t.driver).map((t) => t.cpuMs)) * 10) / 10,
    wallLong: tasks.filter((t) => t.wallMs > 50).length,
  };
}

export interface MainThreadReport {
  /** Durations of the long tasks the page's PerformanceObserver saw (over 50 ms of wall-clock). */
  longTasks: number[];
  /** The most CPU time the main thread spent in any one of the page's own tasks (Playwright's left out). */
  maxCpuMs: number;
  /** Tasks in the trace over 50 ms of wall-clock. */
  wallLong: number;
}
