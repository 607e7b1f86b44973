/**
 * Assembles the gateway-shaped result from NudeNet's detections. Pure, so the
 * browser worker and the Node gateway build byte-identical answers.
 */
import type { NudeNetDetection } from './detections.js';
import { applyPolicy, type Policy } from '../policy.js';
import type { AnimationInfo, InputInfo, ModerationResult, RuntimeInfo, Timings } from '../result.js';

/** The gateway rounds display scores to 4 places; `raw` keeps them whole. */
export const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

export interface ReportParts {
  raw: NudeNetDetection[];
  policy: Policy;
  input: InputInfo;
  elapsedMs: number;
  notes?: string[];
  runtime?: RuntimeInfo;
  timings?: Timings;
  animation?: AnimationInfo;
}

export function buildResult({ raw, policy, input, elapsedMs, notes = [], runtime, timings, animation }: ReportParts): ModerationResult {
  const verdict = applyPolicy(raw, policy);
  const result: ModerationResult = {
    code: 200,
    desc: 'success',
    backend: 'nudenet',
    elapsed_ms: Math.round(elapsedMs),
    input,
    decision: verdict.decision,
    label: verdict.label,
    score: round4(verdict.score),
    categories: {
      porn: round4(verdict.categories.porn),
      sexy: round4(verdict.categories.sexy),
      normal: round4(verdict.categories.normal),
    },
    detections: raw.map((d) => ({ cls: d.class, score: round4(d.score), box: [...d.box] })),
    raw: { nudenet: raw },
    notes,
    tips: '',
  };
  if (runtime) result.runtime = runtime;
  if (timings) result.timings = timings;
  if (animation) result.animation = animation;
  return result;
}
