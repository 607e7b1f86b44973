/**
 * Which frames of a clip detectVideo() screens, and its options checked: pure,
 * shared by the worker (local screening) and the page (remote screening).
 */
import { ErrorCodes, VeilError } from '../errors.js';
import type { Decision } from '../result.js';

export interface VideoPlan {
  everySeconds: number;
  maxFrames: number;
  stopAt: Exclude<Decision, 'pass'> | null;
}

const bad = (message: string) => new VeilError(ErrorCodes.BAD_OPTION, message);

/** detectVideo()'s sampling options with their defaults; 4001 for a bad one. */
export function resolveVideoPlan(options: { everySeconds?: number; maxFrames?: number; stopAt?: VideoPlan['stopAt']; onFrame?: unknown } = {}): VideoPlan {
  const { everySeconds = 1, maxFrames = 60, stopAt = 'block', onFrame } = options;
  if (typeof everySeconds !== 'number' || !(everySeconds > 0) || !Number.isFinite(everySeconds)) {
    throw bad(`\`everySeconds\` must be a positive number of seconds; got ${String(everySeconds)}.`);
  }
  if (!Number.isInteger(maxFrames) || maxFrames < 1) throw bad(`\`maxFrames\` must be a whole number of at least 1; got ${String(maxFrames)}.`);
  if (stopAt !== null && stopAt !== 'block' && stopAt !== 'review') throw bad(`\`stopAt\` must be 'block', 'review' or null; got ${String(stopAt)}.`);
  if (onFrame !== undefined && typeof onFrame !== 'function') throw bad('`onFrame` must be a function.');
  return { everySeconds, maxFrames, stopAt };
}

const micro = (t: number) => Math.round(t * 1e6) / 1e6;

/**
 * The times to sample, in seconds, for a video track whose frames start at
 * `first` and whose last frame ends at `end`: every `everySeconds` from the
 * first frame, plus the last frame (a moment before `end`), so nothing at the
 * end of a clip goes unseen. More than `maxFrames` of them become `maxFrames`
 * spread evenly from the first frame to the last.
 */
export function sampleTimes(first: number, end: number, { everySeconds, maxFrames }: Pick<VideoPlan, 'everySeconds' | 'maxFrames'>): number[] {
  const span = end - first;
  if (!(span > 0)) return [];
  // A time inside the last frame whatever the frame rate: 1 ms before the end, or half-way for a shorter clip.
  const last = end - Math.min(1e-3, span / 2);
  const times: number[] = [];
  for (let k = 0; first + k * everySeconds < last; k++) times.push(micro(first + k * everySeconds));
  times.push(micro(last));
  if (times.length <= maxFrames) return times;
  if (maxFrames === 1) return [micro(first)];
  const step = (last - first) / (maxFrames - 1);
  return Array.from({ length: maxFrames }, (_, i) => micro(first + i * step));
}

/** Whether a frame's decision stops the scan. */
export const reaches = (decision: Decision, stopAt: VideoPlan['stopAt']) =>
  stopAt !== null && (decision === 'block' || (stopAt === 'review' && decision === 'review'));

/** A sentence for the notes when maxFrames spread the samples wider than asked. */
export function spreadNote(times: number[], plan: VideoPlan, duration: number): string[] {
  if (times.length < 2 || times.length < plan.maxFrames) return [];
  const step = times[1]! - times[0]!;
  if (step <= plan.everySeconds * 1.0001) return [];
  return [`The clip is ${duration.toFixed(1)} s long: its ${plan.maxFrames} frames (maxFrames) were spread over it, one every ${step.toFixed(2)} s instead of every ${plan.everySeconds} s.`];
}
