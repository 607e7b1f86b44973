/**
 * The Node examples in README.md and docs/ (```js node blocks) run as written
 * against the built `veil-nsfw/node`, in a folder holding what their prose assumes:
 * `public/models/320n.onnx` (the project's fixture model stands in) and
 * `upload.jpg` (a fixture photo), with `rejectUpload` recorded.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

function nodeExamples(): { where: string; code: string }[] {
  const found = [];
  for (const path of pages) {
    const text = readFileSync(join(ROOT, path), 'utf8');
    for (const match of text.matchAll(/^```js node\n([\s\S]*?)^```$/gm)) {
      found.push({ where: `${path}:${text.slice(0, match.index).split('\n').length + 1}`, code: match[1]! });
    }
  }
  return found;
}

describe('Node examples in the docs', () => {
  const examples = nodeExamples();
  it('there is at least one', () => expect(examples.length).toBeGreaterThanOrEqual(1));

  for (const { where, code } of examples) {
    it(`${where} runs`, () => {
      expect(existsSync(join(ROOT, 'dist/node.js')), 'dist/node.js is missing: run `npm run build` first (npm test does)').toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'veil-node-example-'));
      mkdirSync(join(dir, 'public/models'), { recursive: true });
      copyFileSync(join(ROOT, 'public/models/veil-fixture-320.onnx'), join(dir, 'public/models/320n.onnx'));
      copyFileSync(join(ROOT, 'test/.cache/images/landscape-640x480.jpg'), join(dir, 'upload.jpg'));
      const script = [
        'globalThis.rejectUpload = (result) => console.log(`rejected: ${result.decision}`);',
        code.replaceAll(`from 'veil-nsfw/node'`, `from ${JSON.stringify(join(ROOT, 'dist/node.js'))}`),
        "console.log('example done');",
      ].join('\n');
      writeFileSync(join(dir, 'example.mjs'), script);
      const out = execFileSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } });
      expect(out).toContain('example done');
      // The fixture photo holds the patch the fixture model reads as an exposed breast.
      expect(out).toContain('rejected: block');
    });
  }
});
