/**
 * One detectVideo() call in the worker: read and check the clip, open its video
 * track (mediabunny, imported only now), decode the planned frames with
 * WebCodecs and judge them as images are judged (src/detect-frames.ts), telling
 * the page about each frame as it goes and stopping at the first that reaches
 * `stopAt`. The result is the deciding frame's, with the clip's `input` and `video`.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import { classifierAnswer, detectFrames, type DecodedFrame } from '../detect-frames.js';
import { buildResult, round4 } from '../nudenet/build-result.js';
import type { VideoFrameResult, VideoResult } from '../result.js';
import type { ClipInput } from '../video/input.js';
import { sampleTimes, spreadNote, type VideoPlan } from '../video/plan.js';
import { frameVerdict, videoInfo } from '../video/summary.js';
import { checkFrame } from './image-decoder.js';
import { readFrame } from './read-pixels.js';
import { modelsOf, runtimeInfo, type State } from './detect-image.js';

export type FrameListener = (frame: VideoFrameResult) => unknown;

export async function detectClip(
  state: State,
  clip: ClipInput,
  plan: VideoPlan,
  onFrame: FrameListener | undefined,
  queuedAt: number,
  throwIfCancelled: () => void,
): Promise<VideoResult> {
  const started = performance.now();
  const { limits } = state;
  // Loaded only now, with the demuxer: pages that screen images alone never download either.
  const [{ readClip }, { openClip }] = await Promise.all([import('../video/read-clip.js'), import('../video/frames.js')]);
  const read = await readClip(clip, limits);
  throwIfCancelled();
  const opened = await openClip(read.bytes, read.info.mime, limits);
  try {
    const times = sampleTimes(opened.first_s, opened.end_s, plan);
    async function* decoded(): AsyncGenerator<DecodedFrame> {
      let index = 0;
      for await (const sample of opened.samples(times)) {
        let frame: VideoFrame | null = null;
        try {
          frame = sample.toVideoFrame();
          checkFrame(frame, limits);
          const pixels = readFrame(frame);
          yield { pixels, index: index++, total: 1, time_s: sample.timestamp };
        } finally {
          frame?.close();
          sample.close();
        }
      }
      if (index === 0) throw new VeilError(ErrorCodes.VIDEO_DECODE_FAILED, `No frame of this ${read.info.mime} clip could be decoded: the file is truncated or corrupt.`);
    }
    const models = modelsOf(state);
    const frames: VideoFrameResult[] = [];
    const { answers, timings, decidedBy } = await detectFrames(decoded(), models, () => state.policy, throwIfCancelled, {
      stopAt: plan.stopAt,
      async onFrame(frame, verdict, raw) {
        const line = frameVerdict(frame.index, frame.time_s ?? 0, verdict, raw.length);
        frames.push(line);
        await Promise.resolve(onFrame?.(line)).catch(() => undefined); // the page's listener cannot fail the call
      },
    });
    const result = buildResult({
      raw: answers.raw,
      classifier: classifierAnswer(models, answers.probabilities),
      nudenet: state.detector !== null,
      policy: state.policy,
      input: { ...read.info, width: opened.width, height: opened.height },
      elapsedMs: performance.now() - queuedAt,
      notes: [...state.info.notes, ...read.notes, ...spreadNote(times, plan, opened.end_s - opened.first_s)],
      runtime: runtimeInfo(state.info),
      timings: { queue_ms: round4(started - queuedAt), ...timings },
    });
    const video = videoInfo({ ...opened, mime: read.info.mime }, frames, decidedBy);
    return { ...result, video };
  } finally {
    opened.close();
  }
}
