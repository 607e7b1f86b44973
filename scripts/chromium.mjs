// @ts-check
/**
 * Debian's Chromium (apt-get install chromium), never a downloaded browser, and
 * the flags every run of it uses here: the networking ones keep it from calling
 * home on a closed network. Shared by the tests (playwright.config.ts), the
 * reliability run and the benchmark.
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
