/**
 * Real photographs in each layout people upload (test/fixtures/make_layouts.py),
 * written at test time into test/.cache/layouts from the photos in
 * test/.cache/photos/sources (npm test's preparation makes those).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './fixture-data.js';
import { pythonWithOpenCv } from './python.js';

export interface LayoutImage {
  name: string;
  source: string;
  width: number;
  height: number;
  layout?: '420' | '422' | '444' | 'grey';
  progressive?: boolean;
  restart?: number;
  exif?: number;
  format?: 'jpeg' | 'png' | 'screenshot' | 'webp';
}

export const LAYOUTS_DIR = join(ROOT, 'test/.cache/layouts');
export const layoutUrl = (name: string) => `/test/.cache/layouts/${name}`;

export function makeLayouts(images: LayoutImage[], dir = LAYOUTS_DIR): void {
  mkdirSync(dir, { recursive: true });
  const spec = join(dir, `spec-${process.pid}.json`);
  writeFileSync(spec, JSON.stringify(images));
  execFileSync(pythonWithOpenCv(), [join(ROOT, 'test/fixtures/make_layouts.py'), spec, join(ROOT, 'test/.cache/photos/sources'), dir]);
}
