/**
 * Images for comparing the gateway's decoder with Chromium's: the fixture photos
 * plus synthetic files in the variants real uploads come in (grey, 16-bit,
 * palette and alpha PNGs, lossy WebP with alpha, progressive and grey JPEGs,
 * every EXIF orientation, an ICC profile, GIF transparency, each BMP variant,
 * AVIF). Made here with sharp and test/support/bmp-writer.ts; nothing is committed.
 */
import sharp from 'sharp';
import { BMP_VARIANTS, testPattern, writeBmp } from './bmp-writer.js';
import { FIXTURE_IMAGES, GIF_IMAGE } from './fixture-data.js';
import { imageBytes } from './gateway.js';

export interface DecodeCase {
  name: string;
  bytes: Uint8Array;
}

/** A smooth colour field with sharp edges, so lossy codecs and chroma subsampling have work to do. */
function scene(width: number, height: number, alpha = false): Buffer {
  const channels = alpha ? 4 : 3;
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      const edge = (x > width / 3 && x < width / 2) || (y > height / 2 && y < (height * 2) / 3);
      data[i] = edge ? 230 : (x * 255) / width;
      data[i + 1] = edge ? 20 : (y * 255) / height;
      data[i + 2] = ((x ^ y) * 3) & 255;
      if (alpha) data[i + 3] = x < width / 4 ? 0 : y < height / 4 ? (x * 255) / width : 255;
    }
  }
  return data;
}

/** Every (colour, alpha) pair: pixel (c, a) is (c, 255 - c, 7c mod 256) at alpha a. */
function alphaTable(): Buffer {
  const data = Buffer.alloc(256 * 256 * 4);
  for (let a = 0; a < 256; a++) {
    for (let c = 0; c < 256; c++) data.set([c, 255 - c, (c * 7) % 256, a], (a * 256 + c) * 4);
  }
  return data;
}

export async function decodeCases(): Promise<DecodeCase[]> {
  const raw = (data: Buffer, width: number, height: number, channels: 3 | 4) => sharp(data, { raw: { width, height, channels } });
  const rgb = () => raw(scene(96, 64), 96, 64, 3);
  const rgba = () => raw(scene(96, 64, true), 96, 64, 4);
  const cases: [string, Promise<Buffer> | Buffer | Uint8Array][] = [
    ['alpha-table.png', raw(alphaTable(), 256, 256, 4).png().toBuffer()],
    ['grey.png', rgb().greyscale().png().toBuffer()],
    ['grey-alpha.png', rgba().greyscale().png().toBuffer()],
    ['rgb16.png', rgb().toColourspace('rgb16').png().toBuffer()],
    ['palette.png', rgb().png({ palette: true, colours: 64, dither: 0 }).toBuffer()],
    ['lossy-alpha.webp', rgba().webp({ quality: 70 }).toBuffer()],
    ['q80-420.jpg', rgb().jpeg({ quality: 80, chromaSubsampling: '4:2:0' }).toBuffer()],
    ['q90-444-progressive.jpg', rgb().jpeg({ quality: 90, chromaSubsampling: '4:4:4', progressive: true }).toBuffer()],
    ['grey.jpg', rgb().greyscale().jpeg({ quality: 85 }).toBuffer()],
    ['icc-p3.jpg', rgb().withIccProfile('p3').jpeg({ quality: 90 }).toBuffer()],
    ['transparent.gif', rgba().gif().toBuffer()],
    ['still.avif', rgb().avif({ quality: 60 }).toBuffer()],
    ...[2, 3, 4, 5, 6, 7, 8].map((o): [string, Promise<Buffer>] => [`exif-${o}.jpg`, rgb().withMetadata({ orientation: o }).jpeg({ quality: 90 }).toBuffer()]),
    ...BMP_VARIANTS.map((v): [string, Uint8Array] => [`${v}.bmp`, writeBmp(v, 37, 21, testPattern(37, 21))]),
    ...[...FIXTURE_IMAGES, GIF_IMAGE].map((i): [string, Buffer] => [i.name, imageBytes(i.name)]),
  ];
  return Promise.all(cases.map(async ([name, bytes]) => ({ name, bytes: new Uint8Array(await bytes) })));
}
