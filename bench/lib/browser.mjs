// @ts-check
/** Debian's Chromium with the test suite's flags (playwright.config.ts), for the benchmark. */
import { chromium } from '@playwright/test';

export const CHROMIUM = process.env.VEIL_CHROMIUM ?? '/usr/bin/chromium';
// Same as CHROMIUM_ARGS in playwright.config.ts; kept here because that file is TypeScript.
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const launch = () => chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });

/** A persistent profile in `dir`: a fresh directory is a first visit, the same one again a later visit. */
export const launchProfile = (/** @type {string} */ dir, /** @type {string[]} */ extraArgs = []) =>
  chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
