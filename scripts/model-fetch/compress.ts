/**
 * FILE.br and FILE.gz beside a file the commands write (`models`, `assets`):
 * static servers that send precompressed copies (nginx's brotli_static and
 * gzip_static, most static hosts) then send a few bytes instead of many, with
 * no compression work per request. Brotli at quality 11 with a 16 MB window
 * (what browsers decode), gzip at level 9: the slowest settings, paid once.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

export const COMPRESSED_SUFFIXES = ['.br', '.gz'] as const;

export interface Compressed {
  readonly br: number;
  readonly gz: number;
  /** false when up-to-date copies were already there. */
  readonly written: boolean;
}

/** True when both copies exist and are not older than the file. */
function fresh(file: string): boolean {
  const original = fs.statSync(file).mtimeMs;
  return COMPRESSED_SUFFIXES.every((s) => {
    try {
      return fs.statSync(file + s).mtimeMs >= original;
    } catch {
      return false;
    }
  });
}

/**
 * Writes FILE.br and FILE.gz (each complete or not at all: a temporary file
 * renamed into place) unless up-to-date copies are there.
 */
export async function writeCompressed(file: string, { brotliQuality = 11 } = {}): Promise<Compressed> {
  if (fresh(file)) {
    const size = (s: string) => fs.statSync(file + s).size;
    return { br: size('.br'), gz: size('.gz'), written: false };
  }
  const data = await fsp.readFile(file);
  const [br, gz] = await Promise.all([
    brotli(data, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: brotliQuality,
        [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
    gzip(data, { level: 9 }),
  ]);
  for (const [suffix, bytes] of [['.br', br], ['.gz', gz]] as const) {
    const tmp = `${file}${suffix}.tmp-${process.pid}`;
    await fsp.writeFile(tmp, bytes);
    await fsp.rename(tmp, file + suffix);
  }
  return { br: br.length, gz: gz.length, written: true };
}

/** Removes FILE.br and FILE.gz, so that no server sends copies of a file that has since changed. */
export async function removeCompressed(file: string): Promise<void> {
  await Promise.all(COMPRESSED_SUFFIXES.map((s) => fsp.rm(file + s, { force: true })));
}
