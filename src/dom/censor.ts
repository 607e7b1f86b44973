/**
 * censor: draws an image with its detected regions covered, like NudeNet's own
 * `censor()`, for previews, thumbnails and review queues. It only draws, never
 * reads pixels back, so it works on cross-origin images too.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import type { NudeNetClass } from '../nudenet/classes.js';
import { DEFAULT_CLASS_RULES } from '../policy.js';
import type { ModerationResult } from '../result.js';

export type CensorStyle = 'blur' | 'pixelate' | 'black';

export interface CensorOptions {
  /** How a region is covered; default `blur`. */
  style?: CensorStyle;
  /** Which classes to cover; default every class the default policy counts as porn or sexy. */
  classes?: readonly NudeNetClass[];
  /** Pixels (of the result's image) added around each box; default 0. */
  padding?: number;
}

/** Anything the browser can draw, or a Blob or URL to fetch first. */
export type CensorInput =
  | HTMLImageElement
  | HTMLCanvasElement
  | HTMLVideoElement
  | ImageBitmap
  | OffscreenCanvas
  | ImageData
  | Blob
  | string
  | URL;

/** The classes `censor` covers unless told otherwise. */
export const CENSORED_CLASSES = (Object.keys(DEFAULT_CLASS_RULES) as NudeNetClass[]).filter(
  (cls) => DEFAULT_CLASS_RULES[cls].category !== 'ignore',
);

type Drawable = Exclude<CanvasImageSource, VideoFrame | SVGImageElement>;

async function drawable(input: CensorInput): Promise<{ image: Drawable; width: number; height: number }> {
  try {
    if (typeof input === 'string' || input instanceof URL) {
      const response = await fetch(input);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      input = await response.blob();
    }
    if (input instanceof HTMLImageElement) {
      if (!input.complete || !input.naturalWidth) await input.decode();
      return { image: input, width: input.naturalWidth, height: input.naturalHeight };
    }
    if (input instanceof HTMLVideoElement) return { image: input, width: input.videoWidth, height: input.videoHeight };
    // createImageBitmap applies a file's EXIF orientation, as the result's boxes do.
    const image = input instanceof Blob || input instanceof ImageData ? await createImageBitmap(input) : input;
    return { image, width: image.width, height: image.height };
  } catch (error) {
    throw new VeilError(ErrorCodes.BAD_INPUT, `censor() could not read the image: ${String(error)}`, { cause: error });
  }
}

/**
 * Returns a canvas with the image and its regions covered. Boxes are scaled from
 * the result's image size to the given image's, so a thumbnail works as well.
 */
export async function censor(
  input: CensorInput,
  result: Pick<ModerationResult, 'detections'> & { input?: { width: number; height: number } },
  options: CensorOptions = {},
): Promise<HTMLCanvasElement> {
  const style = options.style ?? 'blur';
  if (!['blur', 'pixelate', 'black'].includes(style)) {
    throw new VeilError(ErrorCodes.BAD_OPTION, `Unknown censor style "${String(style)}": use "blur", "pixelate" or "black".`);
  }
  const classes = new Set(options.classes ?? CENSORED_CLASSES);
  const pad = Math.max(0, options.padding ?? 0);
  const { image, width, height } = await drawable(input);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(image, 0, 0, width, height);

  const sx = width / (result.input?.width || width);
  const sy = height / (result.input?.height || height);
  for (const { cls, box } of result.detections) {
    if (!classes.has(cls)) continue;
    const x0 = Math.max(0, Math.floor((box[0] - pad) * sx));
    const y0 = Math.max(0, Math.floor((box[1] - pad) * sy));
    const x1 = Math.min(width, Math.ceil((box[0] + box[2] + pad) * sx));
    const y1 = Math.min(height, Math.ceil((box[1] + box[3] + pad) * sy));
    if (x1 > x0 && y1 > y0) cover(ctx, style, x0, y0, x1 - x0, y1 - y0);
  }
  if (image instanceof ImageBitmap && image !== input) image.close();
  return canvas;
}

function cover(ctx: CanvasRenderingContext2D, style: CensorStyle, x: number, y: number, w: number, h: number): void {
  if (style === 'black') {
    ctx.fillStyle = '#000';
    ctx.fillRect(x, y, w, h);
    return;
  }
  const side = Math.max(w, h);
  if (style === 'blur' && 'filter' in ctx) {
    // Strong enough that a blurred part is not recognisable; sampled from a margin
    // around the box so its edges blur too, clipped so nothing outside changes.
    const r = Math.max(8, Math.round(side / 6));
    ctx.save();
    ctx.beginPath();
    ctx.rect(x, y, w, h);
    ctx.clip();
    ctx.filter = `blur(${r}px)`;
    ctx.drawImage(ctx.canvas, x - 2 * r, y - 2 * r, w + 4 * r, h + 4 * r, x - 2 * r, y - 2 * r, w + 4 * r, h + 4 * r);
    ctx.restore();
    return;
  }
  // Pixelate: shrink the region to a few cells and draw it back without smoothing.
  // Browsers without canvas filters get the same with smoothing, which reads as a blur.
  const cell = Math.max(4, Math.round(side / 12));
  const cw = Math.max(1, Math.round(w / cell));
  const ch = Math.max(1, Math.round(h / cell));
  const small = new OffscreenCanvas(cw, ch);
  const sctx = small.getContext('2d')!;
  sctx.imageSmoothingQuality = 'high'; // averages each cell rather than sampling one point of it
  sctx.drawImage(ctx.canvas, x, y, w, h, 0, 0, cw, ch);
  ctx.save();
  ctx.imageSmoothingEnabled = style === 'blur';
  ctx.drawImage(small, 0, 0, cw, ch, x, y, w, h);
  ctx.restore();
}
