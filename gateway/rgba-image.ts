/** Decoded pixels as the gateway hands them to NudeNet: RGBA, 8 bits a channel, row-major. */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** Set when `data` holds only some rows: `rows[y]` is where row y sits, or -1 (the library's `Pixels.rows`). */
  rows?: Int32Array;
}
