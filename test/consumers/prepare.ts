/**
 * The consumer apps, set up as a user sets one up: `npm pack` of the built
 * package, each app copied to a fresh folder outside the repository (so nothing
 * resolves from the repository's own node_modules), the tarball installed there
 * with npm, offline (the package has no dependencies), then each app built once:
 *
 *   vite/        `vite build` (and `vite build` with Vite's default 'iife' workers
 *                into dist-iife/, to check the error that names the missing line)
 *   components/  `vite build` of one app with a page each for React, Vue 3 and
 *                Svelte 5 (`<veil-image>`, veil-nsfw/react)
 *   webpack/     webpack 5's Node API with the app's webpack.config.js
 *   no-bundler/  nothing: an import map, files served as they are
 *   next/        twice: `npm run build` (Turbopack, Next.js 16's default) in
 *                next-turbopack/, `npm run build:webpack` in next-webpack/
 *   esbuild/, rollup/, parcel/   `npm run build`, the app's own script
 *   parcel-plain/  the Parcel app without its `targets` line: Parcel bundling
 *                Veil itself, which must fail with a message naming that line
 *
 * The bundlers come from the repository's devDependencies: Vite and webpack
 * through their Node API, the others put into each app's node_modules, so an
 * app's own `npm run build` runs the commands a user types (including
 * `veil-nsfw assets`, from the installed tarball).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build as viteBuild } from 'vite';
import webpack, { type Configuration } from 'webpack';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const APPS = fileURLToPath(new URL('.', import.meta.url));

/** What each app serves at /models/ and /: the fixture model and image the library's own tests use. */
export const MODEL_PATH = '/models/veil-fixture-320.onnx';
export const IMAGE_PATH = '/landscape-640x480.jpg';

const NEXT = ['next', 'react', 'react-dom'];
const COMPONENTS = ['react', 'react-dom', 'vue', 'svelte', '@vitejs/plugin-react', '@vitejs/plugin-vue', '@sveltejs/vite-plugin-svelte'];
const PARCEL = ['parcel', '@parcel/config-default'];

/** Each app: the folder it is copied from, where it keeps static files, and the repository's packages its build runs. */
const APP_SETUP = {
  vite: { from: 'vite', publicDir: 'public', tools: [] },
  components: { from: 'components', publicDir: 'public', tools: COMPONENTS },
  webpack: { from: 'webpack', publicDir: 'public', tools: [] },
  'no-bundler': { from: 'no-bundler', publicDir: '.', tools: [] },
  'next-turbopack': { from: 'next', publicDir: 'public', tools: NEXT },
  'next-webpack': { from: 'next', publicDir: 'public', tools: NEXT },
  esbuild: { from: 'esbuild', publicDir: 'public', tools: ['esbuild'] },
  rollup: { from: 'rollup', publicDir: 'public', tools: ['rollup', '@rollup/plugin-node-resolve'] },
  parcel: { from: 'parcel', publicDir: 'public', tools: PARCEL },
  'parcel-plain': { from: 'parcel', publicDir: 'public', tools: PARCEL },
} as const;

type AppName = keyof typeof APP_SETUP;

/**
 * Photos whose verdict the fixture model gives (its colour patches, as in
 * test/browser/feed-page.ts): a red patch blocks, a green one passes. PNG keeps
 * the colours exact. For the `<veil-image>` and React pages.
 */
async function verdictPng(patch: { r: number; g: number; b: number }): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const square = await sharp({ create: { width: 90, height: 80, channels: 3, background: patch } }).png().toBuffer();
  return sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 100, b: 120 } } })
    .composite([{ input: square, left: 60, top: 50 }])
    .png()
    .toBuffer();
}
let VERDICT_PNGS: Record<string, Buffer> = {};

export interface ConsumerApps {
  /** The folder holding the apps and the tarball. */
  dir: string;
  /** Each app's folder, built. */
  app: Record<AppName, string>;
  /** What a plain `parcel build` of the Parcel app (without its `targets` line) printed: it must fail, naming the fix. */
  parcelPlainError: string;
  /** Seconds each build took (the apps build two at a time). */
  buildSeconds: Record<string, number>;
  cleanup(): void;
}

function copyApp(name: AppName, into: string): string {
  const { from, publicDir } = APP_SETUP[name];
  const app = join(into, name);
  cpSync(join(APPS, from), app, { recursive: true });
  mkdirSync(join(app, publicDir, 'models'), { recursive: true });
  cpSync(join(ROOT, 'public/models/veil-fixture-320.onnx'), join(app, publicDir, MODEL_PATH));
  cpSync(join(ROOT, 'test/.cache/images/landscape-640x480.jpg'), join(app, publicDir, IMAGE_PATH));
  for (const [path, png] of Object.entries(VERDICT_PNGS)) writeFileSync(join(app, publicDir, path), png);
  // The component pages name the model as the docs do; the fixture model answers there too.
  cpSync(join(ROOT, 'public/models/veil-fixture-320.onnx'), join(app, publicDir, 'models/320n.onnx'));
  return app;
}

/** The packages `names` need at run time, as the repository installed them (hoisted). */
function dependencyClosure(names: readonly string[]): string[] {
  const found = new Set<string>();
  const queue = [...names];
  for (let name = queue.shift(); name; name = queue.shift()) {
    const manifest = join(ROOT, 'node_modules', name, 'package.json');
    if (found.has(name) || !existsSync(manifest)) continue; // an optional dependency for another platform
    found.add(name);
    const { dependencies, optionalDependencies } = JSON.parse(readFileSync(manifest, 'utf8'));
    queue.push(...Object.keys({ ...dependencies, ...optionalDependencies }));
  }
  return [...found];
}

/**
 * The repository's copy of each bundler, where the app's own install would put it,
 * with its command in .bin: a link, except for Next.js, whose Turbopack compiles
 * nothing outside the app's folder (a link's target is outside). Next.js and what it
 * needs are hard-linked copies there: instant, and no extra disk (plain copies
 * where the temporary folder is on another file system).
 */
async function installTools(app: string, tools: readonly string[]): Promise<void> {
  mkdirSync(join(app, 'node_modules/.bin'), { recursive: true });
  const copied = tools === NEXT ? dependencyClosure(NEXT) : [];
  for (const tool of copied) {
    mkdirSync(dirname(join(app, 'node_modules', tool)), { recursive: true });
    const [from, to] = [join(ROOT, 'node_modules', tool), join(app, 'node_modules', tool)];
    await run('cp', ['-al', from, to]).catch(() => run('cp', ['-a', from, to])); // hard links need one file system
  }
  for (const tool of tools) {
    if (!copied.includes(tool)) {
      mkdirSync(dirname(join(app, 'node_modules', tool)), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', tool), join(app, 'node_modules', tool));
    }
    const bin = join(ROOT, 'node_modules/.bin', tool);
    if (existsSync(bin)) symlinkSync(realpathSync(bin).replace(join(ROOT, 'node_modules'), join(app, 'node_modules')), join(app, 'node_modules/.bin', tool));
  }
}

async function webpackBuild(app: string): Promise<void> {
  const config = (await import(pathToFileURL(join(app, 'webpack.config.js')).href)).default as Configuration;
  await new Promise<void>((resolve, reject) =>
    webpack(config, (error, stats) => {
      if (error || !stats || stats.hasErrors()) reject(error ?? new Error(stats?.toString('errors-only') ?? 'webpack failed'));
      else resolve();
    }),
  );
}

/** `npm run SCRIPT` in the app, as its user would; the error carries the build's output. */
async function npmRun(app: string, script: string): Promise<void> {
  try {
    await run('npm', ['run', script], { cwd: app, maxBuffer: 1 << 26, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${app}: npm run ${script} failed:\n${stdout}\n${stderr}`);
  }
}

export async function prepareApps(): Promise<ConsumerApps> {
  if (!existsSync(join(ROOT, 'dist/worker.js'))) throw new Error('dist/ is missing or old: run `npm run build` first (npm test does)');
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'veil-consumers-'));
  try {
    // dist/ is built (checked above): the package's prepack would build it again.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 1 << 24 });
    const tarball = join(dir, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);

    VERDICT_PNGS = { '/block.png': await verdictPng({ r: 255, g: 0, b: 0 }), '/pass.png': await verdictPng({ r: 0, g: 255, b: 0 }) };
    const names = Object.keys(APP_SETUP) as AppName[];
    const apps = Object.fromEntries(names.map((name) => [name, copyApp(name, dir)])) as Record<AppName, string>;
    const plainManifest = join(apps['parcel-plain'], 'package.json');
    const { targets: _, ...plain } = JSON.parse(readFileSync(plainManifest, 'utf8'));
    writeFileSync(plainManifest, JSON.stringify(plain));
    await Promise.all(
      names.map(async (name) => {
        await run('npm', ['install', '--no-save', '--offline', '--no-audit', '--no-fund', tarball], { cwd: apps[name] });
        await installTools(apps[name], APP_SETUP[name].tools);
      }),
    );

    // Two builds at a time (Next.js and Parcel use every core they see): the long ones in one line, the rest in the other.
    const buildSeconds: Record<string, number> = {};
    let parcelPlainError = '';
    const timed = async (label: string, build: () => Promise<void>) => {
      const start = performance.now();
      await build();
      buildSeconds[label] = Math.round((performance.now() - start) / 100) / 10;
    };
    const inOrder = async (builds: [string, () => Promise<void>][]) => {
      for (const [label, build] of builds) await timed(label, build);
    };
    await Promise.all([
      inOrder([
        ['next (Turbopack)', () => npmRun(apps['next-turbopack'], 'build')],
        ['next (webpack)', () => npmRun(apps['next-webpack'], 'build:webpack')],
      ]),
      inOrder([
        ['vite', () => viteBuild({ root: apps.vite, logLevel: 'warn' }).then(() => undefined)],
        ['vite (iife workers)', () => viteBuild({ root: apps.vite, logLevel: 'warn', worker: { format: 'iife' }, build: { outDir: 'dist-iife' } }).then(() => undefined)],
        ['vite (React, Vue, Svelte)', () => viteBuild({ root: apps.components, logLevel: 'warn' }).then(() => undefined)],
        ['webpack', () => webpackBuild(apps.webpack)],
        ['esbuild', () => npmRun(apps.esbuild, 'build')],
        ['rollup', () => npmRun(apps.rollup, 'build')],
        ['parcel', () => npmRun(apps.parcel, 'build')],
        ['parcel (plain, fails)', async () => void (parcelPlainError = await npmRun(apps['parcel-plain'], 'build').then(() => '', (error: Error) => error.message))],
      ]),
    ]);

    buildSeconds.total = Math.round((performance.now() - started) / 100) / 10;
    return { dir, app: apps, parcelPlainError, buildSeconds, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
