/**
 * Writes BMP files in the variants browsers read, so the gateway's BMP decoder
 * can be checked against known pixels (Node) and against Chromium (browser).
 */
export type BmpVariant = 'rgb24' | 'rgb24-topdown' | 'rgb32' | 'argb32-bitfields' | 'rgb565' | 'pal8' | 'pal4' | 'pal1';

export const BMP_VARIANTS: BmpVariant[] = ['rgb24', 'rgb24-topdown', 'rgb32', 'argb32-bitfields', 'rgb565', 'pal8', 'pal4', 'pal1'];

/** A small test pattern: a colour gradient with a few transparent and half-transparent pixels. */
export function testPattern(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      rgba.set([(x * 255) / (width - 1), (y * 255) / (height - 1), ((x + y) * 37) % 256, x < 3 ? 0 : y < 3 ? 128 : 255], i);
    }
  }
  return rgba;
}

/** A palette image's colours: 2^bits entries spread over the RGB cube; pixel colour index = (x + y) mod entries. */
export function paletteOf(bits: number): number[][] {
  return Array.from({ length: 1 << bits }, (_, i) => [(i * 97) % 256, (i * 53 + 20) % 256, (i * 199 + 7) % 256]);
}

export function writeBmp(variant: BmpVariant, width: number, height: number, rgba: Uint8Array): Uint8Array {
  const bits = { rgb24: 24, 'rgb24-topdown': 24, rgb32: 32, 'argb32-bitfields': 32, rgb565: 16, pal8: 8, pal4: 4, pal1: 1 }[variant];
  const palette = bits <= 8 ? paletteOf(bits) : [];
  const masks = variant === 'argb32-bitfields' ? [0xff0000, 0xff00, 0xff, 0xff000000] : variant === 'rgb565' ? [0xf800, 0x07e0, 0x001f] : [];
  const headerSize = variant === 'argb32-bitfields' ? 56 : 40;
  const extra = variant === 'rgb565' ? 12 : 0;
  const stride = Math.ceil((width * bits) / 32) * 4;
  const dataOffset = 14 + headerSize + extra + palette.length * 4;
  const out = new Uint8Array(dataOffset + stride * height);
  const view = new DataView(out.buffer);
  out.set([0x42, 0x4d]);
  view.setUint32(2, out.length, true);
  view.setUint32(10, dataOffset, true);
  view.setUint32(14, headerSize, true);
  view.setInt32(18, width, true);
  view.setInt32(22, variant === 'rgb24-topdown' ? -height : height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, bits, true);
  view.setUint32(30, masks.length ? 3 : 0, true);
  view.setUint32(34, stride * height, true);
  view.setUint32(46, palette.length, true);
  masks.forEach((mask, i) => view.setUint32(54 + i * 4, mask >>> 0, true));
  palette.forEach(([r, g, b], i) => out.set([b!, g!, r!, 0], 14 + headerSize + extra + i * 4));
  for (let row = 0; row < height; row++) {
    const y = variant === 'rgb24-topdown' ? row : height - 1 - row;
    const line = dataOffset + row * stride;
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 4) as unknown as number[];
      if (bits <= 8) {
        const index = (x + y) % palette.length;
        const bit = x * bits;
        out[line + (bit >> 3)]! |= index << (8 - bits - (bit & 7));
      } else if (bits === 16) {
        view.setUint16(line + x * 2, ((r! >> 3) << 11) | ((g! >> 2) << 5) | (b! >> 3), true);
      } else if (bits === 24) {
        out.set([b!, g!, r!], line + x * 3);
      } else {
        out.set([b!, g!, r!, variant === 'rgb32' ? 0 : a!], line + x * 4);
      }
    }
  }
  return out;
}
