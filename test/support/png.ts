/**
 * A tiny PNG writer for the DOM tests: a soft gradient background with flat
 * patches in the fixture model's colours, so each test can make exactly the
 * image (and verdict) it needs without files on disk.
 */
import { crc32, deflateSync } from 'node:zlib';
import { FIXTURE_COLORS } from './fixture-data.js';

export interface Patch {
  color: string;
  rect: [number, number, number, number];
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

export function colorOf(name: string): number[] {
  const color = FIXTURE_COLORS.find((c) => c.name === name);
  if (!color) throw new Error(`no fixture colour ${name}`);
  return color.rgb;
}

/** An RGB PNG, width x height, with the given patches drawn over a grey-blue gradient. */
export function makePng(width: number, height: number, patches: Patch[] = []): Buffer {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      // Far from every fixture colour, so only the patches are "detected".
      rows.set([80 + Math.round((60 * x) / width), 90 + Math.round((40 * y) / height), 115], row + 1 + x * 3);
    }
  }
  for (const { color, rect } of patches) {
    const rgb = colorOf(color);
    const [px, py, pw, ph] = rect;
    for (let y = py; y < Math.min(height, py + ph); y++) {
      for (let x = px; x < Math.min(width, px + pw); x++) rows.set(rgb, y * (width * 3 + 1) + 1 + x * 3);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Images whose verdict under the balanced policy is known, by what the fixture model finds. */
export const VERDICT_IMAGES = {
  /** FEMALE_BREAST_EXPOSED 0.9: porn 0.9, blocked. */
  block: () => makePng(320, 240, [{ color: 'red', rect: [100, 60, 80, 70] }]),
  /** BUTTOCKS_EXPOSED 0.7 x 0.8: porn 0.56, sent to review. */
  review: () => makePng(320, 240, [{ color: 'yellow', rect: [140, 100, 90, 80] }]),
  /** FACE_FEMALE only: ignored by the policy, passed. */
  pass: () => makePng(320, 240, [{ color: 'green', rect: [40, 40, 60, 60] }]),
};
