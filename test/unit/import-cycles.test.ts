/**
 * No import cycles in the library, the gateway, the scripts or the demo: a cycle makes the
 * load order decide what a module sees, and hides which way the code's layers go
 * (input -> bytes -> pixels -> tensor -> detections -> verdict -> result).
 * Type-only imports count too: they are where a cycle usually starts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCircular, parseDependencyTree, shortenTree } from 'dpdm';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The cycles among these files, and any relative import the check could not follow (which would hide one). */
async function cycles(globs: string[], context: string): Promise<{ cycles: string[][]; unresolved: string[] }> {
  const tree = shortenTree(context, await parseDependencyTree(globs, { context, transform: false, skipDynamicImports: false }));
  const unresolved = Object.values(tree)
    .flatMap((deps) => deps ?? [])
    // A bundler query (`file.ts?url`) names a URL, not an import of the module's code.
    .filter((dep) => dep.request.startsWith('.') && !dep.request.includes('?') && dep.id === null)
    .map((dep) => `${dep.issuer} -> ${dep.request}`);
  return { cycles: parseCircular(tree), unresolved };
}

describe('import cycles', () => {
  it('finds a cycle where there is one (the check itself works)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veil-cycles-'));
    writeFileSync(join(dir, 'a.ts'), "import type { B } from './b';\nexport type A = B[];\n");
    writeFileSync(join(dir, 'b.ts'), "import { type A } from './a';\nexport type B = { a: A };\n");
    const found = await cycles([join(dir, '*.ts')], dir);
    expect(found.cycles.map((cycle) => cycle.map((file) => basename(file)).sort())).toEqual([['a.ts', 'b.ts']]);
  });

  it.each([
    ['src', ['src/**/*.ts']],
    ['gateway', ['gateway/*.ts']],
    ['scripts', ['scripts/**/*.ts', 'scripts/**/*.mjs']],
    ['demo', ['demo/**/*.ts', 'demo/**/*.mjs']],
  ])('%s has none', async (_name, globs) => {
    expect(await cycles(globs.map((g) => join(root, g)), root)).toEqual({ cycles: [], unresolved: [] });
  });
});
