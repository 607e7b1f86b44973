/**
 * Assembles the gateway-shaped result from NudeNet's detections and, when one
 * ran, a whole-image classifier's probabilities. Pure, so the browser worker and
 * the Node gateway build byte-identical answers.
 */
import type { NudeNetDetection } from './detections.js';
import { applyPolicy, type ClassifierOutput, type Policy } from '../policy.js';
import type { AnimationInfo, InputInfo, ModerationResult, RuntimeInfo, Timings } from '../result.js';

/** The gateway rounds display scores to 4 places; `raw` keeps them whole. */
export const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** A classifier's answer, named: what `raw.classifier` reports and the policy reads. */
export interface ClassifierAnswer extends ClassifierOutput {
  name: string;
}

export interface ReportParts {
  /** NudeNet's detections; empty when a classifier ran alone. */
  raw: NudeNetDetection[];
  /** The classifier's answer, when the detector runs one. */
  classifier?: ClassifierAnswer | null;
  /** Whether NudeNet ran; false when a classifier ran alone. Default true. */
  nudenet?: boolean;
  policy: Policy;
  input: InputInfo;
  elapsedMs: number;
  notes?: string[];
  runtime?: RuntimeInfo;
  timings?: Timings;
  animation?: AnimationInfo;
}

/** What answered, as the gateway API's `backend` names it: `nudenet`, the classifier's name, or both joined by `+`. */
const backendOf = (nudenet: boolean, classifier: ClassifierAnswer | null | undefined) =>
  [nudenet && 'nudenet', classifier?.name].filter(Boolean).join('+');

export function buildResult({ raw, classifier, nudenet = true, policy, input, elapsedMs, notes = [], runtime, timings, animation }: ReportParts): ModerationResult {
  const verdict = applyPolicy(raw, policy, classifier);
  const result: ModerationResult = {
    code: 200,
    desc: 'success',
    backend: backendOf(nudenet, classifier),
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
    raw: {
      ...(nudenet && { nudenet: raw }),
      ...(classifier && { classifier: { model: classifier.name, probabilities: classifier.probabilities } }),
    },
    notes,
    tips: '',
  };
  if (runtime) result.runtime = runtime;
  if (timings) result.timings = timings;
  if (animation) result.animation = animation;
  return result;
}
