/**
 * A clip's container told by its first bytes, never by a name or declared type.
 * Small and import-free: the upload helper asks it too, on every file.
 */
export type VideoMime = 'video/mp4' | 'video/quicktime' | 'video/webm' | 'video/x-matroska';

const ascii = (bytes: Uint8Array, start: number, text: string) =>
  bytes.length >= start + text.length && [...text].every((ch, i) => bytes[start + i] === ch.charCodeAt(0));

/** Image brands of the ISO base media file format: HEIC and AVIF are images, not clips. */
const IMAGE_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);

/** The container the signature of `bytes` says, or null when it is neither MP4/QuickTime nor WebM/Matroska. */
export function sniffVideo(bytes: Uint8Array): VideoMime | null {
  if (ascii(bytes, 4, 'ftyp')) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (IMAGE_BRANDS.has(brand)) return null;
    return brand === 'qt  ' ? 'video/quicktime' : 'video/mp4';
  }
  if (['moov', 'mdat', 'wide', 'free'].some((box) => ascii(bytes, 4, box))) return 'video/quicktime';
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    // The EBML header names its document type within its first few dozen bytes.
    const head = String.fromCharCode(...bytes.subarray(0, 64));
    return head.includes('webm') ? 'video/webm' : 'video/x-matroska';
  }
  return null;
}
