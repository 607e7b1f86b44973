/**
 * `npx veil-nsfw assets --out DIR`: Veil's worker, every chunk it imports,
 * onnxruntime-web's runtime files and their .wasm, copied into one folder. For
 * bundlers that do not follow `new URL('./worker.js', import.meta.url)` (esbuild,
 * Rollup without a plugin): serve DIR and point `workerUrl` (and `wasmPaths`)
 * at it. Vite, webpack and Next.js emit these files themselves.
 *
 * With --compress it writes FILE.br and FILE.gz beside each file: the runtime's
 * .wasm is 14 MB raw and 2.3 MB brotli, and a server that sends precompressed
 * files (nginx's brotli_static) sends the copy only if it finds one
 * (docs/hosting.md). Opt in: brotli 11 takes most of a minute on these files,
 * too long for every build, and hosts that compress on the fly ignore copies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { removeCompressed, writeCompressed } from '../model-fetch/compress.js';
import { displayPath, formatBytes } from '../model-fetch/format.js';

const USAGE = `Usage: npx veil-nsfw assets --out DIR [--all] [--base URL] [--compress]

Copies Veil's worker (worker.js and the chunks it imports) and onnxruntime-web's
runtime (.mjs) and .wasm files into DIR (with --compress, a brotli .br and a
gzip .gz copy of each for servers that send precompressed files), then prints
the createDetector options that point at them. Use it when your bundler does not
emit them itself (esbuild, Rollup, Parcel); Vite, webpack and Next.js need
nothing.

Options:
  --out DIR    the folder to copy into (created if missing; existing files of
               the same names are replaced)
  --all        the library's entries too (index.js, dialects.js and what they
               import): the whole browser library, to serve with an import map
               where the bundler leaves Veil out (Parcel); never the server code
  --base URL   the URL path DIR is served at (default: DIR's path below public/,
               or /DIR/)
  --compress   also write FILE.br (brotli 11) and FILE.gz (gzip 9) beside each
               file, for nginx's brotli_static/gzip_static (most of a minute);
               without it, .br/.gz copies left from before are removed
  -h, --help   show this help
`;

/** dist/ of the package: two folders up from dist/cli/ (and from scripts/cli/ in the repository). */
const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist');

/** Relative imports in a built file: `from"./x.js"`, `import("./x.js")`, and onnxruntime-web's `.mjs`. */
const RELATIVE_IMPORT = /["'`](\.\/[\w.-]+\.m?js)["'`]/g;

/**
 * worker.js (and with `all`, the browser entries) and every file they reach
 * through relative imports, then every .wasm the runtimes load. Never dist/cli/
 * or node.js: nothing of the server goes into a web root.
 */
export function workerFiles(dist = DIST, all = false): string[] {
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
  if (all) for (const entry of ['index.js', 'dialects.js']) visit(entry);
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

export async function assets(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        base: { type: 'string' },
        all: { type: 'boolean', default: false },
        compress: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
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
  const sent = { br: 0, gz: 0 };
  try {
    files = workerFiles(DIST, values.all);
    fs.mkdirSync(out, { recursive: true });
    for (const name of files) {
      fs.copyFileSync(path.join(DIST, name), path.join(out, name));
      bytes += fs.statSync(path.join(out, name)).size;
    }
    // All at once: zlib compresses on libuv's threads, one file per core.
    await Promise.all(
      files.map(async (name) => {
        const file = path.join(out, name);
        if (!values.compress) return removeCompressed(file);
        const c = await writeCompressed(file);
        sent.br += c.br;
        sent.gz += c.gz;
      }),
    );
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  let base = values.base ?? baseUrlFor(out);
  if (!base.endsWith('/')) base += '/';
  const shown = displayPath(out) || '.';
  process.stdout.write(
    `Copied ${files.length} files (${(bytes / 1024 / 1024).toFixed(1)} MB) into ${shown}/.\n` +
      (!values.compress
        ? ''
        : `Beside each, FILE.br (${formatBytes(sent.br)} in all) and FILE.gz (${formatBytes(sent.gz)}): a server that sends precompressed files (nginx's brotli_static/gzip_static) sends those.\n`) +
      (values.all
        ? `Served at ${base}, map the name in your page: <script type="importmap">{ "imports": { "veil-nsfw": "${base}index.js" } }</script>\n`
        : `Served at ${base}, pass these to createDetector (unless the folder is next to your bundle):\n` +
          `  createDetector({ model, workerUrl: '${base}worker.js', wasmPaths: '${base}' })\n`),
  );
  return 0;
}
