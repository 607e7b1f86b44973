/**
 * An animated GIF or WebP screened remotely by a service that did not say it
 * judged its frames: the page opens it with WebCodecs' ImageDecoder (as the
 * worker does, src/worker/animation.ts), samples the same frames (up to
 * `limits.maxFrames`, spread over the animation), and sends each as a lossless
 * PNG, one at a time, stopping at the first that blocks. Loaded only for such an
 * animation. Where ImageDecoder is missing, the service's answer for the file
 * stands, as the worker then judges only the first frame too.
 */
import { reaches } from '../video/plan.js';
import { severity } from '../policy.js';
import type { ModerationResult } from '../result.js';
import { openAnimation, sampleFrames } from '../worker/animation.js';

let canvas: OffscreenCanvas | null = null;

async function toPng(frame: VideoFrame): Promise<Blob> {
  canvas ??= new OffscreenCanvas(1, 1);
  canvas.width = frame.displayWidth;
  canvas.height = frame.displayHeight;
  canvas.getContext('2d')!.drawImage(frame, 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}

/**
 * The file's answer (`whole`), or the answer of the sampled frame that blocks
 * first, else of the most severe, with the file's `input` and `animation`
 * saying how it was judged. `screenStill` screens one frame's PNG remotely.
 */
export async function screenFramesRemotely(
  bytes: Uint8Array,
  mime: 'image/gif' | 'image/webp',
  whole: ModerationResult,
  maxFrames: number,
  screenStill: (png: Blob) => Promise<ModerationResult>,
): Promise<ModerationResult> {
  const animation = await openAnimation(bytes, mime);
  if (!animation) return whole;
  let decided: { result: ModerationResult; index: number } = { result: whole, index: 0 };
  let scanned = 0;
  try {
    for (const index of sampleFrames(animation.total, maxFrames)) {
      const frame = await animation.frame(index);
      let png: Blob;
      try {
        png = await toPng(frame);
      } finally {
        frame.close();
      }
      const result = await screenStill(png);
      scanned++;
      if (severity(result) > severity(decided.result)) decided = { result, index };
      if (reaches(result.decision, 'block')) break;
    }
  } finally {
    animation.close();
  }
  const { result, index } = decided;
  const note = `The service did not say it judged this animation's frames, so ${scanned} of its ${animation.total} frames were sent as stills (PNG); ${
    result === whole ? 'none was more severe than its answer for the file' : `frame ${index} decided`
  }.`;
  return {
    ...result,
    input: whole.input,
    notes: [...whole.notes, note],
    animation: { frames: animation.total, scanned, decided_by: index },
  };
}
