/**
 * The library's main entry is what every page that imports Veil downloads before
 * anything else: it must stay under 15 KB gzipped, DOM helpers included. That is
 * dist/index.js and every chunk it imports statically; the worker, onnxruntime-web,
 * the model, and the remote and auto code load only when a detector needs them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** The entry and the chunks it imports statically (not `import()`), transitively. */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  for (const [, spec] of code.matchAll(/(?:^|[;}\s])import\s*(?:[^'"()]*?from\s*)?["'](\.[^"']+)["']/g)) {
    staticClosure(join(dirname(file), spec!), seen);
  }
  return seen;
}

describe('bundle size', () => {
  it('the main entry, with what it imports up front, is under 15 KB gzipped', () => {
    expect(existsSync(entry), 'dist/index.js is missing: run `npm run build` first (npm test does)').toBe(true);
    const files = [...staticClosure(entry)];
    const gzipped = files.reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    console.log(`main entry: ${files.length} files, ${(gzipped / 1024).toFixed(2)} KB gzipped`);
    expect(files.length).toBeGreaterThan(1);
    expect(gzipped).toBeLessThan(15 * 1024);
  });

  it('loads neither onnxruntime-web, the worker client nor the remote code up front', () => {
    for (const file of staticClosure(entry)) {
      const code = readFileSync(file, 'utf8');
      expect(code, file).not.toMatch(/onnxruntime|InferenceSession/);
      expect(code, file).not.toMatch(/app_key=|Comlink\.proxy/);
    }
  });
});
