/**
 * The phone photos over the memory ceiling that the browser, Node and the
 * gateway must agree on: 48 MP stored landscape and shown portrait (EXIF 6, as
 * phones save a portrait), 108 MP and 200 MP, made from real photographs when first
 * needed (test/fixtures/big-photos.mjs) and kept in test/.cache/big.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error plain ES module without types
import { bigPhoto } from '../fixtures/big-photos.mjs';
import { ROOT } from './fixture-data.js';

export const BIG_DIR = join(ROOT, 'test/.cache/big');
const SOURCES = join(ROOT, 'test/.cache/photos/sources');

export interface BigPhoto {
  name: string;
  path: string;
  /** Its URL on the test server. */
  url: string;
  bytes: Buffer;
}

export async function phonePhotos(): Promise<BigPhoto[]> {
  const made: [string, string][] = [
    ['48 MP portrait (8064 x 6048, EXIF 6)', await bigPhoto(join(SOURCES, 'astronaut.png'), BIG_DIR, 8064, 6048, { orientation: 6 })],
    ['108 MP (12000 x 9000)', await bigPhoto(join(SOURCES, 'coffee.png'), BIG_DIR, 12000, 9000)],
    // The largest phone camera's, decoded at 1/4; 8.5 MB, under the gateway's default --max-image.
    ['200 MP (16320 x 12240)', await bigPhoto(join(SOURCES, 'coffee.png'), BIG_DIR, 16320, 12240)],
  ];
  return made.map(([name, path]) => ({ name, path, url: `/${path.slice(ROOT.length).replace(/^\/+/, '')}`, bytes: readFileSync(path) }));
}
