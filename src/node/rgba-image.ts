/** Decoded pixels as Node hands them to the models' preprocessing: RGBA, 8 bits a channel, row-major. */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** Set when `data` holds only some rows: `rows[y]` is where row y sits, or -1 (the library's `Pixels.rows`). */
  rows?: Int32Array;
  /** Set when the image was decoded smaller than it is: its own size (the library's `Pixels.original`). */
  original?: { width: number; height: number };
}
