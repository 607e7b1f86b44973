/**
 * A small BMP decoder: sharp's libvips has no BMP loader, and browsers read BMP,
 * so Node code reads it itself. Uncompressed 1/4/8-bit palettes and 16/24/32-bit
 * pixels, bit-field masks, top-down and bottom-up rows, scaled the way Chromium's
 * BMP reader scales them (n-bit fields to round(v * 255 / (2^n - 1)), wider fields
 * to their top 8 bits, a 32-bit alpha that is zero everywhere means opaque).
 * RLE and embedded JPEG/PNG bitmaps are refused with 4002. Rows are independent
 * in an uncompressed BMP, so a large one can be read in just the rows the
 * letterbox uses, as the library's worker reads large photos.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import { rowIndex } from '../image/pixels.js';
import type { RgbaImage } from './rgba-image.js';

const corrupt = (why: string) => new VeilError(ErrorCodes.DECODE_FAILED, `This image/bmp image could not be decoded: ${why}.`);

interface Field {
  mask: number;
  shift: number;
  bits: number;
}

function field(mask: number): Field {
  if (mask === 0) return { mask: 0, shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (((mask >>> (shift + bits)) & 1) === 1) bits++;
  return { mask, shift, bits };
}

function component(pixel: number, f: Field): number {
  const value = (pixel & f.mask) >>> f.shift;
  if (f.bits >= 8) return value >>> (f.bits - 8);
  return Math.round((value * 255) / ((1 << f.bits) - 1));
}

/**
 * Decodes a BMP to RGBA. `rowsFor(width, height)` may name the only rows wanted
 * (ascending); the result then holds those, with `rows` saying where each sits.
 */
export function decodeBmp(bytes: Uint8Array, maxPixels: number, rowsFor?: (width: number, height: number) => Int32Array | null): RgbaImage {
  if (bytes.length < 26) throw corrupt('the file is shorter than its headers');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  const core = headerSize === 12;
  if (!core && (headerSize < 40 || bytes.length < 14 + headerSize)) throw corrupt(`its header size ${headerSize} is not one BMP uses`);
  const width = core ? view.getUint16(18, true) : view.getInt32(18, true);
  const rawHeight = core ? view.getInt16(20, true) : view.getInt32(22, true);
  const bitCount = view.getUint16(core ? 24 : 28, true);
  const compression = core ? 0 : view.getUint32(30, true);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  if (width <= 0 || height <= 0) throw corrupt(`its size ${width} x ${height} is empty`);
  if (width * height > maxPixels) {
    throw new VeilError(ErrorCodes.TOO_LARGE, `The image is ${width} x ${height} pixels, more than the ${maxPixels} decoded here.`);
  }
  if (compression === 1 || compression === 2 || compression === 4 || compression === 5) {
    throw new VeilError(ErrorCodes.UNSUPPORTED_FORMAT, 'Compressed BMP (RLE, or embedded JPEG/PNG) is not supported in Node: convert the image to PNG.');
  }
  if (compression !== 0 && compression !== 3 && compression !== 6) throw corrupt(`its compression ${compression} is unknown`);
  if (![1, 4, 8, 16, 24, 32].includes(bitCount)) throw corrupt(`${bitCount} bits per pixel is not a BMP depth`);

  // Masks: defaults for BI_RGB, else after a 40-byte header or inside a V2+ header.
  let masks = bitCount === 16 ? [0x7c00, 0x03e0, 0x001f, 0] : [0xff0000, 0xff00, 0xff, bitCount === 32 ? 0xff000000 : 0];
  if (compression === 3 || compression === 6) {
    const at = 14 + 40;
    const count = compression === 6 || headerSize >= 56 ? 4 : 3;
    if (bytes.length < at + count * 4) throw corrupt('its bit-field masks are missing');
    masks = [0, 1, 2, 3].map((i) => (i < count ? view.getUint32(at + i * 4, true) : 0));
  } else if (headerSize >= 56 && bitCount === 32) {
    masks[3] = view.getUint32(14 + 52, true) || masks[3]!;
  }
  const [red, green, blue, alpha] = masks.map(field) as [Field, Field, Field, Field];

  let palette: Uint8Array | null = null;
  if (bitCount <= 8) {
    const entrySize = core ? 3 : 4;
    const declared = core ? 0 : view.getUint32(46, true);
    const count = declared || 1 << bitCount;
    const start = 14 + headerSize + (compression === 3 ? 12 : compression === 6 ? 16 : 0);
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < Math.min(count, 256); i++) {
      const at = start + i * entrySize;
      if (at + 3 > bytes.length) break;
      palette.set([bytes[at + 2]!, bytes[at + 1]!, bytes[at]!], i * 3);
    }
  }

  const stride = Math.ceil((width * bitCount) / 32) * 4;
  if (dataOffset + stride * height > bytes.length) throw corrupt('the file is truncated');
  const lineOf = (y: number) => dataOffset + (topDown ? y : height - 1 - y) * stride;
  const pixelAt = (at: number) =>
    bitCount === 16 ? view.getUint16(at, true) : bitCount === 24 ? bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) : view.getUint32(at, true);
  const read = rowsFor?.(width, height) ?? null;
  const count = read ? read.length : height;
  const out = new Uint8Array(width * count * 4);
  let anyAlpha = false;
  for (let k = 0; k < count; k++) {
    const line = lineOf(read ? read[k]! : k);
    for (let x = 0; x < width; x++) {
      const o = (k * width + x) * 4;
      if (palette) {
        const bit = x * bitCount;
        const byte = bytes[line + (bit >> 3)]!;
        const index = (byte >> (8 - bitCount - (bit & 7))) & ((1 << bitCount) - 1);
        out.set(palette.subarray(index * 3, index * 3 + 3), o);
        out[o + 3] = 255;
        continue;
      }
      const pixel = pixelAt(line + x * (bitCount / 8));
      out[o] = component(pixel, red);
      out[o + 1] = component(pixel, green);
      out[o + 2] = component(pixel, blue);
      out[o + 3] = alpha.bits ? component(pixel, alpha) : 255;
      if (alpha.bits && out[o + 3] !== 0) anyAlpha = true;
    }
  }
  // Whether alpha is used is a property of the whole image, so rows not read count too.
  for (let y = 0; read && alpha.bits && !anyAlpha && y < height; y++) {
    const line = lineOf(y);
    for (let x = 0; x < width && !anyAlpha; x++) anyAlpha = component(pixelAt(line + x * (bitCount / 8)), alpha) !== 0;
  }
  // An alpha channel that is zero everywhere is an unused byte, not transparency.
  if (alpha.bits && !anyAlpha) for (let i = 3; i < out.length; i += 4) out[i] = 255;
  return read ? { data: out, width, height, rows: rowIndex(height, read) } : { data: out, width, height };
}
