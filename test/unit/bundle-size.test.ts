/**
 * The page pays for the main entry before it screens anything, so it has a
 * budget: 15 KB gzipped, counting every chunk it imports statically. The worker,
 * onnxruntime-web and its WASM must stay out of it, loaded only by createDetector
 * (test/browser/lifecycle.spec.ts checks the page requests none of them before).
 * Reads the build in dist/: `npm test` builds before it runs this.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const ENTRY = join(DIST, 'index.js');
const MAIN_ENTRY_BUDGET_BYTES = 15 * 1024;

/** The entry and every module it imports statically (not `import()`), as file paths. */
function staticGraph(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    // Minified ES modules: `import{a as b}from"./x.js"`, `import"./x.js"`, `export*from"./x.js"`.
    for (const match of code.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[\w*{][^"'`]*?from\s*)?["'](\.{1,2}\/[^"']+)["']/g)) {
      visit(resolve(dirname(file), match[1]!));
    }
  };
  visit(entry);
  return [...seen];
}

describe('main entry size (dist/index.js)', () => {
  it('is built', () => {
    expect(existsSync(ENTRY), 'dist/index.js is missing: run `npm run build` first (npm test does)').toBe(true);
  });

  it(`stays within ${MAIN_ENTRY_BUDGET_BYTES / 1024} KB gzipped, static imports included`, () => {
    const files = staticGraph(ENTRY);
    const gzipped = files.reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).length, 0);
    console.log(`main entry: ${files.length} file(s), ${gzipped} bytes gzipped (budget ${MAIN_ENTRY_BUDGET_BYTES})`);
    expect(gzipped).toBeGreaterThan(1000); // a real build, not an empty file
    expect(gzipped).toBeLessThanOrEqual(MAIN_ENTRY_BUDGET_BYTES);
  });

  it('leaves onnxruntime-web and the worker out, reaching the worker by URL only', () => {
    const code = staticGraph(ENTRY).map((file) => readFileSync(file, 'utf8')).join('\n');
    expect(code).not.toMatch(/InferenceSession|onnxruntime|\.wasm[`"']/);
    expect(code).toMatch(/new URL\(\s*[`"']assets\/worker-[\w-]+\.js[`"']\s*,\s*import\.meta\.url\s*\)/);
  });
});
