import { defineConfig } from '@playwright/test';

/**
 * Browser tests run in Debian's Chromium (apt-get install chromium), never a
 * downloaded browser. The networking flags keep it from calling home on a closed
 * network. One worker: the machines have two cores and WASM inference uses both.
 */
export const CHROMIUM = process.env.VEIL_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** WebGPU on SwiftShader, Chromium's software adapter: correct, far too slow to time. */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader'];

export default defineConfig({
  testDir: 'test/browser',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
  },
});
