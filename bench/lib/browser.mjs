// @ts-check
/** Debian's Chromium with the test suite's flags (scripts/chromium.mjs), for the benchmark. */
import { chromium } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from '../../scripts/chromium.mjs';

export { CHROMIUM, CHROMIUM_ARGS };

export const launch = () => chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });

/** A persistent profile in `dir`: a fresh directory is a first visit, the same one again a later visit. */
export const launchProfile = (/** @type {string} */ dir, /** @type {string[]} */ extraArgs = []) =>
  chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
