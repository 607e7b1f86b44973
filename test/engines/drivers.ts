/**
 * One small interface over the three engines, each started from Debian's own
 * packages and driven the way it can be: Chromium through Playwright (as the
 * browser suite), Firefox ESR over WebDriver BiDi (puppeteer-core; Playwright
 * cannot drive Debian's Firefox), WebKitGTK's MiniBrowser under Xvfb over
 * WebDriver classic (WebKitWebDriver speaks no BiDi).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
// @ts-expect-error plain ES module without types
import { CHROMIUM, CHROMIUM_ARGS } from '../../scripts/chromium.mjs';
import { startWebDriver } from './webdriver.js';

export const FIREFOX = process.env.VEIL_FIREFOX ?? '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = process.env.VEIL_WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.VEIL_MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

export type EngineName = 'chromium' | 'firefox' | 'webkit';

export interface Engine {
  name: EngineName;
  goto(url: string): Promise<void>;
  /** Runs `window.engineCheck(name, args)` in the page (test/engines/checks.js) and returns its value, or throws its error. */
  check<T>(name: string, args?: object): Promise<T>;
  /** Evaluates an expression in the page (a string: each driver takes it as it is). */
  evaluate<T>(expression: string): Promise<T>;
  /** Console errors and uncaught page errors since the last call. */
  takeConsoleErrors(): string[];
  close(): Promise<void>;
}

type Answer<T> = { value: T } | { error: string };
const unwrap = <T>(answer: Answer<T>): T => {
  if ('error' in answer) throw new Error(answer.error);
  return answer.value;
};
const CHECK = (name: string, args: object | undefined) => `window.engineCheck(${JSON.stringify(name)}, ${JSON.stringify(args ?? {})})`;

async function startChromium(): Promise<Engine> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  let errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    name: 'chromium',
    goto: async (url) => void (await page.goto(url)),
    check: async (name, args) => unwrap(await page.evaluate(CHECK(name, args))),
    evaluate: (expression) => page.evaluate(expression),
    takeConsoleErrors: () => errors.splice(0),
    close: () => browser.close(),
  };
}

async function startFirefox(): Promise<Engine> {
  const profile = mkdtempSync(join(tmpdir(), 'veil-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    protocolTimeout: 600_000,
    extraPrefsFirefox: {
      // A closed network: nothing to update, report or fetch at start.
      'app.update.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false,
    },
  });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String((e as Error).message ?? e)));
  return {
    name: 'firefox',
    goto: async (url) => void (await page.goto(url)),
    check: async (name, args) => unwrap(await page.evaluate(CHECK(name, args))),
    evaluate: (expression) => page.evaluate(expression),
    takeConsoleErrors: () => errors.splice(0),
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function startWebKit(): Promise<Engine> {
  const errors: string[] = [];
  // MiniBrowser writes the page's console to its stdout ("CONSOLE JS ERROR …"), the only way to read it over WebDriver classic.
  let pending = '';
  const session = await startWebDriver(
    ['xvfb-run', '-a', WEBKIT_DRIVER],
    { 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation', '--enable-write-console-messages-to-stdout=true'] } },
    (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (/^CONSOLE \S+ ERROR/.test(line)) errors.push(line);
    },
  );
  return {
    name: 'webkit',
    goto: (url) => session.goto(url),
    check: async (name, args) => unwrap(await session.executeAsync(`${CHECK(name, args)}.then(arguments[arguments.length - 1]);`)),
    evaluate: (expression) => session.execute(`return (${expression});`),
    takeConsoleErrors: () => errors.splice(0),
    close: () => session.close(),
  };
}

export function startEngine(name: EngineName): Promise<Engine> {
  return { chromium: startChromium, firefox: startFirefox, webkit: startWebKit }[name]();
}
