// @ts-check
/**
 * What a page downloads up front when it imports Veil: dist/index.js (or another
 * entry) and every chunk it imports or re-exports statically (not `import()`), transitively, each gzipped at
 * level 9 as a server would send it. Shared by the size test and the benchmark.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * @param {string} file
 * @param {Set<string>} [seen]
 * @returns {Set<string>}
 */
export function staticClosure(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  for (const [, spec] of code.matchAll(/(?:^|[;}\s])(?:import\s*(?:[^'"()]*?from\s*)?|export\s*[^'"()]*?from\s*)["'](\.[^"']+)["']/g)) {
    staticClosure(join(dirname(file), /** @type {string} */ (spec)), seen);
  }
  return seen;
}

/** @param {string} entry */
export function entrySize(entry) {
  const files = [...staticClosure(entry)];
  return {
    files,
    bytes: files.reduce((sum, f) => sum + readFileSync(f).length, 0),
    gzip_bytes: files.reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0),
  };
}
