/**
 * `npx veil-nsfw models`: downloads NudeNet detector weights listed in
 * models/manifest.json and checks that they match the input/output contract
 * Veil expects. The manifest's classifiers (nsfwjs's) are converted to ONNX from
 * the installed npm package instead (classifier.ts).
 *
 *   npx veil-nsfw models <id...> [--out DIR] [--force] [--url URL] [--file PATH]
 *   npm run model:fetch -- 320n          (in this repository: the same command)
 *
 * The weights are third-party files (see "licence" in the manifest): each user
 * downloads them into their own public/models/ (git-ignored here); they are
 * never committed, bundled or redistributed.
 *
 * Exit codes: 0 when every model is installed, 1 when one failed for an expected
 * reason (printed as one sentence, without a stack trace), 2 for a usage error.
 * Ctrl-C removes the partial download and exits 130 (143 for SIGTERM).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fetchClassifier } from './classifier.js';
import type { ClassifierEntry } from './classifier-manifest.js';
import { ModelFetchError } from './error.js';
import { displayPath, formatBytes, formatShape } from './format.js';
import { defaultOutDir, fetchModel } from './install.js';
import { loadManifest, type Manifest } from './manifest.js';
import { createProgressPrinter } from './progress.js';

function usage(manifest: Manifest): string {
  const classifiers = Object.entries(manifest.classifiers ?? {});
  const width = Math.max(6, ...classifiers.map(([id]) => id.length));
  const ids = Object.entries(manifest.models)
    .map(
      ([id, e]) =>
        `  ${id.padEnd(width)} NudeNet ${e.architecture}, ${e.inputSize}x${e.inputSize} input, about ${formatBytes(e.approxBytes)}`,
    )
    .concat(
      classifiers.map(
        ([id, e]) =>
          `  ${id.padEnd(width)} ${e.source.package} ${e.architecture} classifier, ${e.inputSize}x${e.inputSize} input, about ${formatBytes(e.approxBytes)} (converted from the ${e.source.package} package)`,
      ),
    )
    .join('\n');
  return `Usage: npx veil-nsfw models <id...> [--out DIR] [--force] [--url URL] [--file PATH]
       (in Veil's repository: npm run model:fetch -- <id...> [options])

Downloads NudeNet detector weights (third-party files, see "licence" in
veil-nsfw's models/manifest.json) and checks them with onnxruntime-node
(npm install onnxruntime-node). Classifiers are converted to ONNX from their
TF.js weights in the app's installed npm package (npm install nsfwjs), or from
a hosted TF.js model.json given with --url or --file.

Model ids:
${ids}

Options:
  --out DIR    where to put the model (default: public/models, from here)
  --force      download (or convert) again even if a valid file is already there
  --url URL    download from this URL instead of the manifest's (mirror);
               for a classifier, the address of a hosted TF.js model.json
  --file PATH  install and check a local file instead of downloading;
               for a classifier, a TF.js model folder or its model.json
  -h, --help   show this help
`;
}

/** Runs the CLI on `argv` (without node and the script) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let manifest: Manifest;
  try {
    manifest = loadManifest();
  } catch (err) {
    if (!(err instanceof ModelFetchError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        force: { type: 'boolean', default: false },
        url: { type: 'string' },
        file: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    // parseArgs explains in a paragraph meant for developers; one clause is enough here.
    const msg = err instanceof Error ? err.message : String(err);
    const option = /'(-[^']*)'/.exec(msg)?.[1];
    const text =
      option && /unknown option/i.test(msg)
        ? `Unknown option ${option}`
        : msg.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
    process.stderr.write(`${text}; run with --help for usage.\n`);
    return 2;
  }
  const { values, positionals: ids } = parsed;
  if (values.help) {
    process.stdout.write(usage(manifest));
    return 0;
  }
  if (ids.length === 0) {
    process.stderr.write(usage(manifest));
    return 2;
  }
  // Checked for all ids before any download, so a typo does not surface after a long one.
  const classifiers = manifest.classifiers ?? {};
  const known = [...Object.keys(manifest.models), ...Object.keys(classifiers)];
  const unknown = ids.filter((id) => !Object.hasOwn(manifest.models, id) && !Object.hasOwn(classifiers, id));
  if (unknown.length) {
    const names = unknown.map((id) => `"${id}"`).join(', ');
    process.stderr.write(
      `Unknown model id ${names}; the known ids are ${known.join(', ')} (run with --help for details).\n`,
    );
    return 2;
  }
  if ((values.url || values.file) && ids.length > 1) {
    process.stderr.write(`--url and --file apply to a single model, but ${ids.length} ids were given (${ids.join(', ')}).\n`);
    return 2;
  }
  if (values.url && values.file) {
    process.stderr.write('Use either --url or --file, not both.\n');
    return 2;
  }

  const outDir = values.out ? path.resolve(values.out) : defaultOutDir();
  let failed = 0;
  for (const id of ids) {
    if (Object.hasOwn(classifiers, id)) {
      const options = { url: values.url, file: values.file, force: values.force };
      if (!(await convertClassifier(id, classifiers[id]!, outDir, options))) failed++;
      continue;
    }
    const entry = manifest.models[id]!;
    const progress = createProgressPrinter(entry.file);
    try {
      const r = await fetchModel({
        id,
        outDir,
        url: values.url,
        file: values.file,
        force: values.force,
        manifest,
        onProgress: (p) => progress.update(p),
        log: (line) => {
          progress.finish();
          process.stderr.write(`${line}\n`);
        },
      });
      progress.finish();
      const where = displayPath(r.path);
      const contract = `${r.input.name} ${formatShape(r.input.shape)} -> ${r.output.name} ${formatShape(r.output.shape)}`;
      // Printed when not pinned, so that whoever first downloads a release can pin it.
      const pin = entry.sha256
        ? `sha256 ${r.sha256} (matches models/manifest.json)`
        : `sha256 ${r.sha256} (not pinned yet: set "sha256" for ${id} in models/manifest.json to verify future downloads)`;
      const verb =
        r.status === 'skipped'
          ? `${where} is already present and valid; use --force to download it again.`
          : `${r.status === 'downloaded' ? 'Downloaded' : 'Installed'} ${where} (${formatBytes(r.bytes)}).`;
      process.stdout.write(`${verb}\n  ${contract}\n  ${pin}\n`);
    } catch (err) {
      progress.finish();
      failed++;
      if (err instanceof ModelFetchError) {
        process.stderr.write(`${err.message}\n`);
      } else {
        const msg = err instanceof Error ? err.message : String(err);
        process.stderr.write(`Unexpected error while fetching ${entry.file}: ${msg.replace(/\s+/g, ' ').trim()}\n`);
        if (process.env.DEBUG) console.error(err);
      }
    }
  }
  return failed ? 1 : 0;
}

/** Converts one classifier and prints what was made; false when it failed. */
async function convertClassifier(
  id: string,
  entry: ClassifierEntry,
  outDir: string,
  options: { url?: string | undefined; file?: string | undefined; force: boolean },
): Promise<boolean> {
  try {
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const r = await fetchClassifier({ id, entry, outDir, ...options, log });
    const where = displayPath(r.path);
    const verb =
      r.status === 'skipped'
        ? `${where} is already present and valid; use --force to convert it again.`
        : `Converted ${r.source} to ${where} (${formatBytes(r.bytes)}) in ${r.seconds!.toFixed(1)} s.`;
    const pin = entry.sha256
      ? `sha256 ${r.sha256} (matches models/manifest.json)`
      : `sha256 ${r.sha256} (not pinned in models/manifest.json)`;
    const contract = `${r.input.name} ${formatShape(r.input.shape)} -> ${r.output.name} ${formatShape(r.output.shape)} (${entry.classes.join(', ')})`;
    process.stdout.write(`${verb}\n  ${contract}\n  ${pin}\n`);
    return true;
  } catch (err) {
    if (!(err instanceof ModelFetchError)) {
      const msg = err instanceof Error ? err.message : String(err);
      process.stderr.write(`Unexpected error while converting ${entry.file}: ${msg.replace(/\s+/g, ' ').trim()}\n`);
      if (process.env.DEBUG) console.error(err);
      return false;
    }
    process.stderr.write(`${err.message}\n`);
    return false;
  }
}
