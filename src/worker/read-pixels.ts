/**
 * Reads a decoded ImageBitmap as RGBA bytes, exactly the bytes a 2D canvas's
 * getImageData gives (what NudeNet parity was measured on), by the cheapest path
 * that gives those same bytes:
 *
 * - only some rows, when preprocessing reads only some (a large photo shrunk to
 *   the model's input reads two rows per input row): each row is drawn 1:1,
 *   without smoothing, into a short canvas, and read back in one call;
 * - an opaque bitmap whose VideoFrame says so (format RGBX/BGRX) is copied out
 *   with VideoFrame.copyTo in RGBA: one copy instead of a draw and a read. With
 *   no alpha the canvas's premultiply and unpremultiply are the identity, so the
 *   bytes are the canvas's;
 * - otherwise the canvas: draw at natural size, then getImageData.
 */
import { rowIndex, type Pixels } from '../image/pixels.js';

let canvas: OffscreenCanvas | null = null;
let context: OffscreenCanvasRenderingContext2D | null = null;

/** One canvas, reused: a fresh one per image would churn GPU and CPU memory. */
function canvasOf(width: number, height: number): OffscreenCanvasRenderingContext2D {
  if (!canvas || !context) {
    canvas = new OffscreenCanvas(width, height);
    context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('This browser gives no 2D context to an OffscreenCanvas in a worker.');
  }
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width; // resizing also clears it
    canvas.height = height;
  } else {
    context.clearRect(0, 0, width, height);
  }
  return context;
}

function readRows(bitmap: ImageBitmap, rows: Int32Array): Pixels {
  const { width, height } = bitmap;
  const ctx = canvasOf(width, rows.length);
  // Nearest sampling: a 1:1 blit then copies each pixel as it is.
  ctx.imageSmoothingEnabled = false;
  for (let k = 0; k < rows.length; k++) ctx.drawImage(bitmap, 0, rows[k]!, width, 1, 0, k, width, 1);
  ctx.imageSmoothingEnabled = true;
  return { data: ctx.getImageData(0, 0, width, rows.length).data, width, height, channels: 4, rows: rowIndex(height, rows) };
}

function readCanvas(bitmap: ImageBitmap): Pixels {
  const { width, height } = bitmap;
  const ctx = canvasOf(width, height);
  ctx.drawImage(bitmap, 0, 0);
  return { data: ctx.getImageData(0, 0, width, height).data, width, height, channels: 4 };
}

/**
 * Whether VideoFrame.copyTo converts to RGBA here, checked once on a known pixel:
 * a browser that ignored `format` would hand back BGRX bytes without a word.
 */
let copyToRgba: Promise<boolean> | null = null;
export function videoFrameWorks(): Promise<boolean> {
  copyToRgba ??= (async () => {
    if (typeof VideoFrame !== 'function') return false;
    try {
      const probe = await createImageBitmap(new ImageData(new Uint8ClampedArray([200, 100, 50, 255]), 1, 1));
      const frame = new VideoFrame(probe, { timestamp: 0 });
      const bytes = new Uint8Array(4);
      try {
        await frame.copyTo(bytes, { format: 'RGBA' });
      } finally {
        frame.close();
        probe.close();
      }
      return bytes.join() === '200,100,50,255';
    } catch {
      return false;
    }
  })();
  return copyToRgba;
}

export const isSrgb = (space: VideoColorSpace) =>
  (space.primaries ?? 'bt709') === 'bt709' && (space.transfer ?? 'iec61966-2-1') === 'iec61966-2-1';

async function readOpaqueFrame(bitmap: ImageBitmap): Promise<Pixels | null> {
  if (!(await videoFrameWorks())) return null;
  let frame: VideoFrame;
  try {
    frame = new VideoFrame(bitmap, { timestamp: 0 });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'SecurityError') throw error;
    return null;
  }
  try {
    const { width, height } = bitmap;
    // An EXIF-oriented bitmap may hand the frame its stored pixels plus a rotation:
    // only a frame that is the bitmap, pixel for pixel, upright, is copied.
    const turned = frame as VideoFrame & { rotation?: number; flip?: boolean };
    const upright = !turned.rotation && !turned.flip && frame.codedWidth === width && frame.codedHeight === height;
    const whole = frame.visibleRect?.x === 0 && frame.visibleRect.y === 0 && frame.displayWidth === width && frame.displayHeight === height;
    if (!upright || !whole || (frame.format !== 'RGBX' && frame.format !== 'BGRX') || !isSrgb(frame.colorSpace)) return null;
    const data = new Uint8ClampedArray(width * height * 4);
    await frame.copyTo(data, { format: 'RGBA' });
    return { data, width, height, channels: 4 };
  } catch {
    return null; // any doubt: the canvas path below is the reference
  } finally {
    frame.close();
  }
}

/**
 * RGBA pixels of `bitmap`; with `rows`, only those source rows (see Pixels.rows).
 * Throws the canvas's own error (a SecurityError for a cross-origin bitmap).
 */
export async function readBitmap(bitmap: ImageBitmap, rows: Int32Array | null = null): Promise<Pixels> {
  if (rows) return readRows(bitmap, rows);
  return (await readOpaqueFrame(bitmap)) ?? readCanvas(bitmap);
}

/** RGBA pixels of a decoded animation frame, through the canvas. */
export function readFrame(frame: VideoFrame): Pixels {
  const width = frame.displayWidth;
  const height = frame.displayHeight;
  const ctx = canvasOf(width, height);
  ctx.drawImage(frame, 0, 0);
  return { data: ctx.getImageData(0, 0, width, height).data, width, height, channels: 4 };
}
