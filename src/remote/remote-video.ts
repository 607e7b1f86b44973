/**
 * detectVideo() through a remote service: the page opens the clip (mediabunny,
 * imported only now), decodes each planned frame with WebCodecs, encodes it as
 * JPEG and screens it as an image through the remote detector, one frame at a
 * time, so no frame after the one that reaches `stopAt` leaves the page.
 */
import type { DetectVideoOptions } from '../detector.js';
import { abortedError, ErrorCodes, VeilError } from '../errors.js';
import type { InputLimits } from '../options.js';
import { severity } from '../policy.js';
import type { InputInfo, ModerationResult, VideoFrameResult, VideoResult } from '../result.js';
import type { ClipInput } from '../video/input.js';
import { reaches, sampleTimes, spreadNote, type VideoPlan } from '../video/plan.js';
import { frameVerdict, videoInfo } from '../video/summary.js';

export interface RemoteClipCall {
  clip: ClipInput;
  plan: VideoPlan;
  limits: Required<InputLimits>;
  signal: AbortSignal | undefined;
  onFrame: DetectVideoOptions['onFrame'];
  /** Asked once, with the clip's `input` block, before its first frame leaves the page. */
  beforeSend?: (info: InputInfo) => Promise<void>;
  /** Screens one frame's JPEG remotely. */
  screenFrame(jpeg: Blob): Promise<ModerationResult>;
}

let canvas: OffscreenCanvas | null = null;

/** A decoded frame as a JPEG, drawn as it displays (rotation included). */
async function toJpeg(sample: { displayWidth: number; displayHeight: number; draw(ctx: OffscreenCanvasRenderingContext2D, x: number, y: number): void }): Promise<Blob> {
  canvas ??= new OffscreenCanvas(1, 1);
  canvas.width = sample.displayWidth;
  canvas.height = sample.displayHeight;
  sample.draw(canvas.getContext('2d')!, 0, 0);
  return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
}

export async function screenClipRemotely(call: RemoteClipCall): Promise<VideoResult> {
  const started = performance.now();
  const { plan, limits, signal } = call;
  const throwIfAborted = () => {
    if (signal?.aborted) throw abortedError();
  };
  // Loaded only now, with the demuxer: pages that screen images alone never download either.
  const [{ readClip }, { openClip }] = await Promise.all([import('../video/read-clip.js'), import('../video/frames.js')]);
  const read = await readClip(call.clip, limits);
  throwIfAborted();
  const opened = await openClip(read.bytes, read.info.mime, limits);
  try {
    const input = { ...read.info, width: opened.width, height: opened.height };
    await call.beforeSend?.(input);
    const times = sampleTimes(opened.first_s, opened.end_s, plan);
    const frames: VideoFrameResult[] = [];
    let decided: { result: ModerationResult; index: number; severity: number } | null = null;
    for await (const sample of opened.samples(times)) {
      let jpeg: Blob;
      try {
        throwIfAborted();
        jpeg = await toJpeg(sample);
      } finally {
        sample.close();
      }
      const result = await call.screenFrame(jpeg);
      const line = frameVerdict(frames.length, sample.timestamp, result, result.detections.length);
      frames.push(line);
      if (call.onFrame) {
        try {
          call.onFrame(line);
        } catch (error) {
          reportError(error);
        }
      }
      if (!decided || severity(result) > decided.severity) decided = { result, index: line.index, severity: severity(result) };
      if (reaches(result.decision, plan.stopAt)) break;
    }
    throwIfAborted();
    if (!decided) throw new VeilError(ErrorCodes.VIDEO_DECODE_FAILED, `No frame of this ${read.info.mime} clip could be decoded: the file is truncated or corrupt.`);
    const { result, index } = decided;
    return {
      ...result,
      elapsed_ms: Math.round(performance.now() - started),
      input,
      notes: [...read.notes, ...spreadNote(times, plan, opened.end_s - opened.first_s), ...result.notes],
      video: videoInfo({ ...opened, mime: read.info.mime }, frames, index),
    };
  } finally {
    opened.close();
  }
}
