/**
 * Image dimensions read from the file header, without decoding: for the result's
 * `input` block when the pixels are never decoded here (remote screening), and to
 * refuse a small file that would decode to a huge bitmap before allocating it.
 *
 * A check is only as good as its agreement with the decoder, so each format is
 * read as Chromium's decoder reads it (libjpeg-turbo, libwebp, libavif, the GIF
 * decoder), and where a decoder may grow the image past what one field says (a
 * GIF frame past its logical screen), the largest size any field allows is taken.
 * A header that gives no size is null, and input-info.ts refuses the file.
 */

export interface HeaderInfo {
  /** As displayed: EXIF orientations 5-8 swap the stored width and height. */
  width: number;
  height: number;
}

type Size = HeaderInfo;

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
const u32le = (b: Uint8Array, i: number) => u16le(b, i) + u16le(b, i + 2) * 65536;
const i32le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));
/** A four-character code as the 32-bit number it is stored as: compared without making a string per box or chunk. */
const fourcc = (s: string) => ((s.charCodeAt(0) << 24) >>> 0) + ((s.charCodeAt(1) << 16) | (s.charCodeAt(2) << 8) | s.charCodeAt(3));
const CC = {
  // WebP chunks
  VP8: fourcc('VP8 '), VP8L: fourcc('VP8L'), VP8X: fourcc('VP8X'), ANMF: fourcc('ANMF'),
  // ISO-BMFF boxes
  META: fourcc('meta'), PITM: fourcc('pitm'), IPRP: fourcc('iprp'), IPCO: fourcc('ipco'), IPMA: fourcc('ipma'),
  ISPE: fourcc('ispe'), MOOV: fourcc('moov'), TRAK: fourcc('trak'), TKHD: fourcc('tkhd'),
};
const larger = (a: Size | null, b: Size | null): Size | null =>
  !a ? b : !b ? a : { width: Math.max(a.width, b.width), height: Math.max(a.height, b.height) };

/** The EXIF Orientation tag inside an APP1 segment's payload: 1 without the tag, null for an APP1 that is not EXIF. */
function exifOrientation(b: Uint8Array, start: number, end: number): number | null {
  if (end - start < 14 || ascii(b, start, 4) !== 'Exif') return null;
  const tiff = start + 6;
  const little = b[tiff] === 0x49;
  const u16 = (i: number) => (little ? u16le(b, i) : u16be(b, i));
  const u32 = (i: number) => (little ? u32le(b, i) : u32be(b, i));
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return 1;
  const count = u16(ifd);
  for (let k = 0; k < count; k++) {
    const entry = ifd + 2 + k * 12;
    if (entry + 12 > end) break;
    if (u16(entry) === 0x0112) return u16(entry + 8);
  }
  return 1;
}

/** SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * Markers as libjpeg's next_marker finds them, up to the first scan: bytes before
 * an FF are garbage it skips (a warning, not an error), FF fill bytes are skipped,
 * FF 00 is data, and SOI, EOI, RSTn and TEM stand alone, with no length. The first
 * SOF is the size (a second one is an error there).
 */
function jpeg(b: Uint8Array): Size | null {
  let orientation: number | null = null;
  let size: Size | null = null;
  let i = 2;
  for (;;) {
    while (i < b.length && b[i] !== 0xff) i++;
    while (i < b.length && b[i] === 0xff) i++;
    if (i >= b.length) break;
    const marker = b[i++]!;
    if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker >= 0xd8 && marker <= 0xda) break; // SOI again (an error), EOI or SOS: no more header
    if (i + 2 > b.length) break;
    const length = u16be(b, i);
    if (isSof(marker) && !size) {
      if (i + 7 > b.length) break;
      size = { width: u16be(b, i + 5), height: u16be(b, i + 3) };
    } else if (marker === 0xe1 && orientation === null) {
      orientation = exifOrientation(b, i + 2, Math.min(b.length, i + length));
    }
    i += Math.max(length, 2); // a length under 2 still consumes its two bytes
  }
  const turned = orientation !== null && orientation >= 5 && orientation <= 8;
  return size && turned ? { width: size.height, height: size.width } : size;
}

/**
 * The logical screen, grown to the largest extent of any frame: Chromium enlarges
 * the canvas to a first frame that overflows the screen, and a later frame is
 * counted too, so no decoder's choice of frame can exceed the check. Blocks are
 * walked as the decoder walks them; anything but an image, an extension or the
 * trailer ends the file for it. Null when no frame is described.
 */
function gif(b: Uint8Array): Size | null {
  if (b.length < 13) return null;
  let width = u16le(b, 6);
  let height = u16le(b, 8);
  let frames = 0;
  const table = (flags: number) => (flags & 0x80 ? 3 << ((flags & 7) + 1) : 0);
  let i = 13 + table(b[10]!);
  const subBlocks = () => {
    while (i < b.length) {
      const n = b[i]!;
      i += 1 + n;
      if (n === 0) return true;
    }
    return false;
  };
  while (i < b.length) {
    if (b[i] === 0x2c) {
      if (i + 10 > b.length) break;
      width = Math.max(width, u16le(b, i + 1) + u16le(b, i + 5));
      height = Math.max(height, u16le(b, i + 3) + u16le(b, i + 7));
      frames++;
      i += 10 + table(b[i + 9]!) + 1; // descriptor, local colour table, LZW code size
      if (!subBlocks()) break;
    } else if (b[i] === 0x21) {
      i += 2;
      if (!subBlocks()) break;
    } else break;
  }
  return frames ? { width, height } : null;
}

/** A VP8 or VP8L bitstream's frame size, from the start of its chunk's payload. */
function bitstream(b: Uint8Array, type: number, at: number): Size | null {
  if (type === CC.VP8 && at + 10 <= b.length) return { width: u16le(b, at + 6) & 0x3fff, height: u16le(b, at + 8) & 0x3fff };
  if (type === CC.VP8L && at + 5 <= b.length) {
    const bits = u32le(b, at + 1);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  return null;
}

/**
 * A simple WebP is its bitstream's frame; an extended one (VP8X) is its canvas,
 * grown to a still's frame or any animation frame's extent (libwebp refuses a
 * mismatch, so only a broken file grows it).
 */
function webp(b: Uint8Array): Size | null {
  if (b.length < 20) return null;
  const head = u32be(b, 12);
  if (head !== CC.VP8X) return bitstream(b, head, 20);
  if (b.length < 30) return null;
  let size: Size | null = { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  for (let i = 12; i + 8 <= b.length; ) {
    const type = u32be(b, i);
    const length = u32le(b, i + 4);
    if (type === CC.ANMF && i + 20 <= b.length) {
      const x = 2 * u24le(b, i + 8) + u24le(b, i + 14) + 1;
      const y = 2 * u24le(b, i + 11) + u24le(b, i + 17) + 1;
      size = larger(size, { width: x, height: y });
    } else if (type === CC.VP8 || type === CC.VP8L) {
      return larger(size, bitstream(b, type, i + 8));
    }
    i += 8 + length + (length & 1);
  }
  return size;
}

interface Box {
  /** Its four-character code (fourcc). */
  type: number;
  /** Payload start and end (clamped to the file). */
  start: number;
  end: number;
}

/** ISO-BMFF boxes between `start` and `end`, one at a time: 32-bit, 64-bit (size 1) and to-the-end (size 0) sizes. */
function* boxes(b: Uint8Array, start: number, end: number): Generator<Box> {
  for (let i = start; i + 8 <= end; ) {
    let size = u32be(b, i);
    let header = 8;
    if (size === 1) {
      if (i + 16 > end) return;
      size = u32be(b, i + 8) * 2 ** 32 + u32be(b, i + 12);
      header = 16;
    } else if (size === 0) size = end - i;
    if (size < header) return;
    yield { type: u32be(b, i + 4), start: i + header, end: Math.min(i + size, end) };
    i += size;
  }
}

/** The children of `box` of one type; `skip` passes a FullBox's version and flags. */
function* children(b: Uint8Array, box: Box | undefined, type: number, skip = 0): Generator<Box> {
  if (!box) return;
  for (const c of boxes(b, box.start + skip, box.end)) if (c.type === type) yield c;
}
const first = (found: Generator<Box>): Box | undefined => found.next().value ?? undefined;

/** ispe sizes of the primary item, through every `ipma` association to a property in `ipco`. */
function primarySize(b: Uint8Array, primary: number, iprp: Box): Size | null {
  let size: Size | null = null;
  // Indices are 15 bits at most, so a crafted ipco of millions of boxes is read no further.
  const properties: Box[] = [];
  const ipco = first(children(b, iprp, CC.IPCO));
  for (const p of ipco ? boxes(b, ipco.start, ipco.end) : []) if (properties.push(p) > 0x7fff) break;
  for (const ipma of children(b, iprp, CC.IPMA)) {
    const wideItem = b[ipma.start]! >= 1;
    const wideIndex = (b[ipma.start + 3]! & 1) === 1;
    let i = ipma.start + 8;
    for (let entries = u32be(b, ipma.start + 4); entries > 0 && i < ipma.end; entries--) {
      const item = wideItem ? u32be(b, i) : u16be(b, i);
      i += wideItem ? 4 : 2;
      for (let n = b[i++] ?? 0; n > 0 && i < ipma.end; n--) {
        const index = wideIndex ? u16be(b, i) & 0x7fff : b[i]! & 0x7f;
        i += wideIndex ? 2 : 1;
        const property = properties[index - 1];
        if (item === primary && property?.type === CC.ISPE && property.start + 12 <= property.end) {
          size = larger(size, { width: u32be(b, property.start + 4), height: u32be(b, property.start + 8) });
        }
      }
    }
  }
  return size;
}

/**
 * The primary item's size, as libavif takes it: `pitm` names the item, `ipma`
 * associates it with properties by index into `ipco`, and its `ispe` is the size
 * (an `ispe` of another item, a thumbnail or alpha plane, is not). An image
 * sequence is sized by its tracks' headers (`tkhd`). Every size found counts.
 */
function avif(b: Uint8Array): Size | null {
  const file = { type: 0, start: 0, end: b.length };
  let size: Size | null = null;
  const meta = first(children(b, file, CC.META));
  const pitm = first(children(b, meta, CC.PITM, 4));
  const iprp = first(children(b, meta, CC.IPRP, 4));
  const wideId = pitm && b[pitm.start]! >= 1; // version 1 and up: 32-bit item IDs
  if (pitm && iprp && pitm.start + (wideId ? 8 : 6) <= pitm.end) {
    size = primarySize(b, wideId ? u32be(b, pitm.start + 4) : u16be(b, pitm.start + 4), iprp);
  }
  for (const trak of children(b, first(children(b, file, CC.MOOV)), CC.TRAK)) {
    for (const tkhd of children(b, trak, CC.TKHD)) {
      const at = tkhd.start + (b[tkhd.start] === 1 ? 88 : 76); // past the version's times, the matrix and the rest
      if (at + 8 <= tkhd.end) size = larger(size, { width: u32be(b, at) >>> 16, height: u32be(b, at + 4) >>> 16 });
    }
  }
  return size;
}

/** BMP: a core (OS/2 1.x) header has 16-bit sizes, every later one 32-bit, the height negative when top-down. */
function bmp(b: Uint8Array): Size | null {
  if (b.length < 22) return null;
  if (u32le(b, 14) === 12) return { width: u16le(b, 18), height: u16le(b, 20) };
  return b.length >= 26 ? { width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) } : null;
}

function read(b: Uint8Array, mime: string | null): Size | null {
  switch (mime) {
    case 'image/jpeg':
      return jpeg(b);
    case 'image/png': // IHDR must come first
      return b.length >= 24 && ascii(b, 12, 4) === 'IHDR' ? { width: u32be(b, 16), height: u32be(b, 20) } : null;
    case 'image/gif':
      return gif(b);
    case 'image/webp':
      return webp(b);
    case 'image/bmp':
      return bmp(b);
    case 'image/avif':
      return avif(b);
    default:
      return null;
  }
}

/**
 * Dimensions from the header of a sniffed image (see sniff.ts), or null when
 * unknown, truncated, or empty (a zero side: no decoder gives such an image).
 */
export function readHeader(bytes: Uint8Array, mime: string | null): HeaderInfo | null {
  const size = read(bytes, mime);
  return size && size.width > 0 && size.height > 0 ? size : null;
}
