// @ts-check
/**
 * Precompressed copies for the repository's own static servers (the browser
 * tests', the benchmark's, the demo's): `npx veil-nsfw assets` and `models` write
 * FILE.br and FILE.gz beside what they write, and a server that finds one the
 * browser accepts sends it with Content-Encoding, as nginx's brotli_static and
 * gzip_static do (docs/hosting.md).
 */
import { statSync } from 'node:fs';

/** The encodings tried, best first, with the suffix of their copies. */
const ENCODINGS = /** @type {const} */ ([
  ['br', '.br'],
  ['gzip', '.gz'],
]);

/**
 * Which tokens an Accept-Encoding header accepts (q=0 refuses one).
 * @param {string | undefined} header
 */
function accepted(header) {
  const tokens = new Set();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p))) continue;
    if (name) tokens.add(name.trim());
  }
  return tokens;
}

/**
 * The copy of `path` to send for this Accept-Encoding, or null for the file itself.
 * A copy older than the file is stale (the file was replaced since) and is never sent.
 * @param {string} path @param {string | undefined} acceptEncoding
 * @returns {{ path: string, encoding: 'br' | 'gzip', size: number } | null}
 */
export function precompressed(path, acceptEncoding) {
  const ok = accepted(acceptEncoding);
  let original;
  try {
    original = statSync(path);
  } catch {
    return null;
  }
  for (const [encoding, suffix] of ENCODINGS) {
    if (!ok.has(encoding) && !ok.has('*')) continue;
    try {
      const copy = statSync(path + suffix);
      if (copy.isFile() && copy.mtimeMs >= original.mtimeMs) return { path: path + suffix, encoding, size: copy.size };
    } catch {
      // No copy in this encoding: try the next.
    }
  }
  return null;
}
