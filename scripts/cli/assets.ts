/**
 * `npx veil-nsfw assets --out DIR`: Veil's worker, every chunk it imports,
 * onnxruntime-web's runtime files and their .wasm, copied into one folder. For
 * bundlers that do not follow `new URL('./worker.js', import.meta.url)` (esbuild,
 * Rollup without a plugin): serve DIR and point `workerUrl` (and `wasmPaths`)
 * at it. Vite, webpack and Next.js emit these files themselves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { displayPath } from '../model-fetch/format.js';

const USAGE = `Usage: npx veil-nsfw assets --out DIR [--base URL]

Copies Veil's worker (worker.js and the chunks it imports) and onnxruntime-web's
runtime (.mjs) and .wasm files into DIR, then prints the createDetector options
that point at them. Use it when your bundler does not emit them itself (esbuild,
Rollup, Parcel); Vite, webpack and Next.js need nothing.

Options:
  --out DIR    the folder to copy into (created if missing; existing files of
               the same names are replaced)
  --base URL   the URL path DIR is served at (default: DIR's path below public/,
               or /DIR/)
  -h, --help   show this help
`;

/** dist/ of the package: two folders up from dist/cli/ (and from scripts/cli/ in the repository). */
const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist');

/** Relative imports in a built file: `from"./x.js"`, `import("./x.js")`, and onnxruntime-web's `.mjs`. */
const RELATIVE_IMPORT = /["'`](\.\/[\w.-]+\.m?js)["'`]/g;

/** worker.js and every file it reaches through relative imports, then every .wasm the runtimes load. */
export function workerFiles(dist = DIST): string[] {
  if (!fs.existsSync(path.join(dist, 'worker.js'))) {
    throw new Error(`${dist} has no worker.js: the package is incomplete (reinstall veil-nsfw; in its repository, run npm run build).`);
  }
  const files = new Set<string>();
  const visit = (name: string) => {
    if (files.has(name)) return;
    const file = path.join(dist, name);
    if (!fs.existsSync(file)) throw new Error(`${name}, which ${[...files].at(-1) ?? 'the worker'} imports, is missing from ${dist}: reinstall veil-nsfw.`);
    files.add(name);
    for (const match of fs.readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) visit(path.basename(match[1]!));
  };
  visit('worker.js');
  for (const name of fs.readdirSync(dist)) if (name.endsWith('.wasm')) files.add(name);
  return [...files].sort();
}

/** The URL path a folder is served at: its path below a public/ folder, else /its-name/. */
function baseUrlFor(out: string): string {
  const parts = path.relative(process.cwd(), out).split(path.sep);
  const pub = parts.lastIndexOf('public');
  const below = pub >= 0 ? parts.slice(pub + 1) : [path.basename(out)];
  return `/${below.filter(Boolean).join('/')}/`.replace(/\/+/g, '/');
}

export function assets(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { out: { type: 'string' }, base: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    }));
  } catch (error) {
    const option = /'(-[^']*)'/.exec(String((error as Error).message))?.[1];
    process.stderr.write(`${option ? `Unknown option ${option}` : (error as Error).message}; run npx veil-nsfw assets --help for usage.\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.out) {
    process.stderr.write('Say where to copy the files with --out DIR (for example --out public/veil).\n');
    return 2;
  }
  const out = path.resolve(values.out);
  let files: string[];
  let bytes = 0;
  try {
    files = workerFiles();
    fs.mkdirSync(out, { recursive: true });
    for (const name of files) {
      fs.copyFileSync(path.join(DIST, name), path.join(out, name));
      bytes += fs.statSync(path.join(out, name)).size;
    }
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  let base = values.base ?? baseUrlFor(out);
  if (!base.endsWith('/')) base += '/';
  const shown = displayPath(out) || '.';
  process.stdout.write(
    `Copied ${files.length} files (${(bytes / 1024 / 1024).toFixed(1)} MB) into ${shown}/.\n` +
      `Served at ${base}, pass these to createDetector (unless the folder is next to your bundle):\n` +
      `  createDetector({ model, workerUrl: '${base}worker.js', wasmPaths: '${base}' })\n`,
  );
  return 0;
}
