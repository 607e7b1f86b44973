// @ts-check
/**
 * The tests need what npm cannot install: Debian's Chromium (browser tests run in
 * it; Playwright's own browser downloads do not work on our machines), Debian's
 * python3-opencv (it runs NudeNet's reference preprocessing), python3-pil (it
 * writes animated and CMYK test images), and redis-server and nginx (the gateway's
 * cluster tests start their own, on free loopback ports; no system service is
 * used), ffmpeg (it encodes the video clips), curl, python3-requests,
 * golang-go, php-cli and php-curl (the image-nsfw gateway API documentation's
 * request examples run in their own languages), and the browser matrix's other
 * engines: firefox-esr, webkit2gtk-driver (WebKitWebDriver and WebKitGTK's
 * MiniBrowser) and xvfb (xvfb-run, the display MiniBrowser needs; xauth with it),
 * and systemd (systemd-analyze verifies docs/gateway.md's unit; nothing is started).
 * Installs them with apt-get when
 * running as root, otherwise says what to install.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.VEIL_CHROMIUM ?? '/usr/bin/chromium';
const redisServer = process.env.VEIL_REDIS_SERVER ?? '/usr/bin/redis-server';
const nginx = process.env.VEIL_NGINX ?? '/usr/sbin/nginx';
const firefox = process.env.VEIL_FIREFOX ?? '/usr/bin/firefox-esr';
const webkitDriver = process.env.VEIL_WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
const pythonHas = (/** @type {string} */ modules) =>
  [process.env.VEIL_PYTHON, '/usr/bin/python3', 'python3']
    .filter(Boolean)
    .some((python) => spawnSync(/** @type {string} */ (python), ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0);

const missing = [];
if (!existsSync(chromium)) missing.push('chromium');
if (!pythonHas('cv2, numpy')) missing.push('python3-opencv');
if (!pythonHas('PIL')) missing.push('python3-pil');
if (!existsSync(redisServer)) missing.push('redis-server');
if (!existsSync(nginx)) missing.push('nginx');
if (spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status !== 0) missing.push('ffmpeg');
const runs = (/** @type {string} */ command, /** @type {string[]} */ args) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
if (!runs('curl', ['--version'])) missing.push('curl');
// Debian's own python3: the examples' test runs /usr/bin/python3, whatever python3 is first on PATH.
if (!runs('/usr/bin/python3', ['-c', 'import requests'])) missing.push('python3-requests');
if (!runs('go', ['version'])) missing.push('golang-go');
if (!runs('php', ['--version'])) missing.push('php-cli');
if (!runs('php', ['-r', 'exit(function_exists("curl_init") ? 0 : 1);'])) missing.push('php-curl');
if (!existsSync(firefox)) missing.push('firefox-esr');
if (!existsSync(webkitDriver)) missing.push('webkit2gtk-driver');
if (!existsSync('/usr/bin/xvfb-run')) missing.push('xvfb');
if (!existsSync('/usr/bin/xauth')) missing.push('xauth');
if (!existsSync('/usr/bin/systemd-analyze')) missing.push('systemd');

if (missing.length > 0) {
  const canApt = process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!canApt) {
    console.error(
      `The tests need ${missing.join(' and ')} from Debian's packages: run \`sudo apt-get install -y ${missing.join(' ')}\` (or set VEIL_CHROMIUM / VEIL_PYTHON / VEIL_REDIS_SERVER / VEIL_NGINX / VEIL_FIREFOX / VEIL_WEBKIT_DRIVER), then npm test again.`,
    );
    process.exit(1);
  }
  console.log(`Installing ${missing.join(' and ')} from Debian's packages…`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}
