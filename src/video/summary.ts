/**
 * The `video` field of detectVideo()'s result, from the frames judged: the same
 * for a clip screened in the worker and one whose frames went to a remote service.
 */
import { round4 } from '../nudenet/build-result.js';
import type { Decision, VideoFrameResult, VideoFrameVerdict, VideoInfo } from '../result.js';

const ms = (t: number) => Math.round(t * 1000) / 1000;

/** One frame's line in `video.frames`, with its place for `onFrame`. */
export const frameVerdict = (index: number, time_s: number, verdict: { decision: Decision; score: number }, detections: number): VideoFrameResult => ({
  index,
  time_s: ms(time_s),
  decision: verdict.decision,
  score: round4(verdict.score),
  detections,
});

export interface ClipFacts {
  first_s: number;
  end_s: number;
  width: number;
  height: number;
  mime: string;
  codec: string;
}

/** The `video` field: `frames` in scan order, `decidedBy` the index of the deciding one among them. */
export function videoInfo(clip: ClipFacts, frames: VideoFrameResult[], decidedBy: number): VideoInfo {
  return {
    duration_s: ms(clip.end_s - clip.first_s),
    width: clip.width,
    height: clip.height,
    mime: clip.mime,
    codec: clip.codec,
    frames_scanned: frames.length,
    decided_at_s: frames[decidedBy]?.time_s ?? 0,
    frames: frames.map(({ index: _, ...frame }): VideoFrameVerdict => frame),
  };
}
