/**
 * The consumer apps, set up as a user sets one up: `npm pack` of the built
 * package, each app copied to a fresh folder outside the repository (so nothing
 * resolves from the repository's own node_modules), the tarball installed there
 * with npm, offline (the package has no dependencies), then each app built once:
 *
 *   vite/        `vite build` (and `vite build` with Vite's default 'iife' workers
 *                into dist-iife/, to check the error that names the missing line)
 *   webpack/     webpack 5's Node API with the app's webpack.config.js
 *   no-bundler/  nothing: an import map, files served as they are
 *
 * Vite and webpack themselves come from the repository's devDependencies.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

export interface ConsumerApps {
  /** The folder holding the three apps and the tarball. */
  dir: string;
  vite: string;
  webpack: string;
  noBundler: string;
  cleanup(): void;
}

function copyApp(name: string, into: string, publicDir: string): string {
  const app = join(into, name);
  cpSync(join(APPS, name), app, { recursive: true });
  mkdirSync(join(app, publicDir, 'models'), { recursive: true });
  cpSync(join(ROOT, 'public/models/veil-fixture-320.onnx'), join(app, publicDir, MODEL_PATH));
  cpSync(join(ROOT, 'test/.cache/images/landscape-640x480.jpg'), join(app, publicDir, IMAGE_PATH));
  return app;
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

export async function prepareApps(): Promise<ConsumerApps> {
  if (!existsSync(join(ROOT, 'dist/worker.js'))) throw new Error('dist/ is missing or old: run `npm run build` first (npm test does)');
  const dir = mkdtempSync(join(tmpdir(), 'veil-consumers-'));
  try {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 1 << 24 });
    const tarball = join(dir, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);

    const publicDirs: Record<string, string> = { vite: 'public', webpack: 'public', 'no-bundler': '.' };
    const apps = Object.fromEntries(Object.entries(publicDirs).map(([name, pub]) => [name, copyApp(name, dir, pub)]));
    await Promise.all(
      Object.values(apps).map((app) => run('npm', ['install', '--no-save', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app })),
    );

    await viteBuild({ root: apps.vite, logLevel: 'warn' });
    await viteBuild({ root: apps.vite, logLevel: 'warn', worker: { format: 'iife' }, build: { outDir: 'dist-iife' } });
    await webpackBuild(apps.webpack!);

    return {
      dir,
      vite: apps.vite!,
      webpack: apps.webpack!,
      noBundler: apps['no-bundler']!,
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
