/** Decoded pixels as the gateway hands them to NudeNet: RGBA, 8 bits a channel, row-major. */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
}
