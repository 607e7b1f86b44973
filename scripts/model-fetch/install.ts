/**
 * Installing one model into the output folder. The file at the final path is
 * only ever a complete, validated model: everything else happens in a temp file
 * that is renamed into place after it passed, or removed.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createTempPath, DEFAULT_IDLE_TIMEOUT_MS, download, keepTempPath, removeTempPath, type Progress } from './download.js';
import { ModelFetchError } from './error.js';
import { displayPath } from './format.js';
import { loadManifest, type Manifest } from './manifest.js';
import { validateModel, type ValidationResult } from './validate.js';

/** git-ignored: the weights are third-party files each user downloads, never committed. */
/** public/models under the folder the command runs in: where an app (and this repository) serves its models from. */
export const defaultOutDir = (): string => path.resolve('public', 'models');

export interface FetchOptions {
  readonly id: string;
  readonly outDir?: string | undefined;
  /** A mirror to download from instead of the manifest's URL. */
  readonly url?: string | undefined;
  /** A local copy to install instead of downloading. */
  readonly file?: string | undefined;
  /** Download again even when a valid file is already there. */
  readonly force?: boolean | undefined;
  readonly onProgress?: ((p: Progress) => void) | undefined;
  readonly log?: ((line: string) => void) | undefined;
  /** How long the server may send nothing before the download is abandoned. */
  readonly timeoutMs?: number | undefined;
  readonly manifest?: Manifest | undefined;
}

export interface FetchResult extends ValidationResult {
  readonly id: string;
  readonly status: 'downloaded' | 'installed' | 'skipped';
  /** Where it was downloaded from; null when it was installed from a file or already there. */
  readonly url: string | null;
}

/**
 * Installs one model: skips it when it is already present and valid (unless
 * `force`), otherwise downloads it (or copies `file`) to a temp file, validates
 * it and renames it into `outDir/<entry.file>`.
 */
export async function fetchModel({
  id,
  outDir = defaultOutDir(),
  url,
  file,
  force = false,
  onProgress,
  log = () => {},
  timeoutMs = DEFAULT_IDLE_TIMEOUT_MS,
  manifest = loadManifest(),
}: FetchOptions): Promise<FetchResult> {
  // hasOwn, not `in`: "toString" is not a model id.
  const entry = Object.hasOwn(manifest.models, id) ? manifest.models[id] : undefined;
  if (!entry) {
    throw new ModelFetchError(
      `Unknown model id "${id}"; the known ids are ${Object.keys(manifest.models).join(', ')} (see models/manifest.json).`,
      'unknown-id',
    );
  }
  const dest = path.resolve(outDir, entry.file);
  const shownDest = displayPath(dest);

  if (!force && fs.existsSync(dest)) {
    try {
      const v = await validateModel(dest, entry);
      return { ...v, id, status: 'skipped', url: null };
    } catch (err) {
      if (!(err instanceof ModelFetchError)) throw err;
      // A known-bad file in public/models would only make the app fail later.
      await fsp.rm(dest, { force: true });
      log(`${err.message.replace(/\.$/, '')}; it was deleted and will be replaced.`);
    }
  }

  await fsp.mkdir(path.dirname(dest), { recursive: true });
  const tmp = createTempPath(dest);
  try {
    let source: string | null = null;
    if (file) {
      const src = path.resolve(file);
      if (!fs.existsSync(src)) {
        throw new ModelFetchError(`The file ${file} given with --file does not exist.`, 'missing');
      }
      // A copy, so that the user's own file is never moved or deleted.
      await fsp.copyFile(src, tmp);
    } else {
      source = url ?? entry.url;
      await download(source, tmp, entry, dest, { onProgress, log, timeoutMs });
    }

    const v = await validateModel(tmp, entry).catch((err: unknown) => {
      if (!(err instanceof ModelFetchError)) throw err;
      // The temp name means nothing to the user: say which file they asked for.
      const what = file ? `The file ${file}` : `The file downloaded from ${source}`;
      const shownTmp = displayPath(tmp);
      const msg = err.message.startsWith(shownTmp) ? what + err.message.slice(shownTmp.length) : err.message;
      throw new ModelFetchError(`${msg.replace(/\.$/, '')}; it was not installed as ${shownDest}.`, err.code);
    });
    await fsp.rename(tmp, dest);
    keepTempPath(tmp);
    return { ...v, path: dest, id, status: file ? 'installed' : 'downloaded', url: source };
  } finally {
    await removeTempPath(tmp);
  }
}
