/**
 * The policy: NudeNet finds body parts, a whole-image classifier reads the scene;
 * this turns either or both into the gateway's `categories`, `label`, `score` and
 * `decision`. Pure and synchronous, so the same model outputs always give the same
 * verdict, in the worker, in a test or on a server.
 */
import { ErrorCodes, VeilError } from './errors.js';
import { NUDENET_CLASSES, type NudeNetClass } from './nudenet/classes.js';
import type { Categories, Decision, Label } from './result.js';

export type PolicyPreset = 'strict' | 'balanced' | 'lenient';

/** Which category a class is evidence for; `ignore` classes never change a verdict. */
export type PolicyCategory = 'porn' | 'sexy' | 'ignore';

export interface ClassRule {
  category: PolicyCategory;
  /** A detection adds `score * weight` of evidence to its category (0..1). */
  weight: number;
  /** Detections of this class scoring below this are ignored (0..1). */
  minScore: number;
}

/** A category's thresholds on its score (0..1); `null` never triggers. */
export interface Thresholds {
  review: number | null;
  block: number | null;
}

/** Which category a whole-image classifier's class is evidence for. */
export type ClassifierCategory = 'porn' | 'sexy' | 'normal';

/** How a whole-image classifier's probabilities count. */
export interface ClassifierPolicy {
  /** Its evidence for a category is the summed probability of the classes mapped to it, times this (0..1). */
  weight: number;
  /** Per-class overrides of the classifier's own mapping, by class name, e.g. `{ Hentai: 'sexy' }`. */
  classes: Readonly<Record<string, ClassifierCategory>>;
}

/** A complete policy, every field decided. */
export interface Policy {
  preset: PolicyPreset;
  classes: Readonly<Record<NudeNetClass, Readonly<ClassRule>>>;
  porn: Readonly<Thresholds>;
  sexy: Readonly<Thresholds>;
  classifier: Readonly<ClassifierPolicy>;
}

/** What a caller may give: a preset, plus any overrides on top of it. */
export interface PolicyOptions {
  /** Starting point; default `balanced`. */
  preset?: PolicyPreset;
  /** Per-class overrides, e.g. `{ BELLY_EXPOSED: { category: 'ignore' } }`. */
  classes?: Partial<Record<NudeNetClass, Partial<ClassRule>>>;
  porn?: Partial<Thresholds>;
  sexy?: Partial<Thresholds>;
  /** How a whole-image classifier counts, when the detector runs one. */
  classifier?: Partial<ClassifierPolicy>;
}

/** A whole-image classifier's answer, as the policy reads it. */
export interface ClassifierOutput {
  /** Its probability for each of its classes. */
  probabilities: Readonly<Record<string, number>>;
  /** Which category each class is evidence for, as the classifier's description maps it. */
  categories: Readonly<Record<string, ClassifierCategory>>;
}

export interface Verdict {
  categories: Categories;
  label: Label;
  score: number;
  decision: Decision;
}

const rule = (category: PolicyCategory, weight = 1): ClassRule => ({ category, weight, minScore: 0 });

/**
 * Why these weights: exposed genitals, anus and female breasts are nudity on any
 * reading, so they count fully. Exposed buttocks count a little less because
 * NudeNet also finds them on thong swimwear. Covered genitals and anus are
 * underwear or swimwear close-ups; covered breasts and buttocks are in every
 * photo of a clothed person, so they count less; a bare belly or a man's bare
 * chest (beach, sport) count least. Faces, feet, armpits and covered bellies
 * say nothing about nudity.
 */
export const DEFAULT_CLASS_RULES: Readonly<Record<NudeNetClass, Readonly<ClassRule>>> = {
  FEMALE_GENITALIA_EXPOSED: rule('porn'),
  MALE_GENITALIA_EXPOSED: rule('porn'),
  ANUS_EXPOSED: rule('porn'),
  FEMALE_BREAST_EXPOSED: rule('porn'),
  BUTTOCKS_EXPOSED: rule('porn', 0.8),
  FEMALE_GENITALIA_COVERED: rule('sexy', 0.9),
  ANUS_COVERED: rule('sexy', 0.9),
  FEMALE_BREAST_COVERED: rule('sexy', 0.7),
  BUTTOCKS_COVERED: rule('sexy', 0.7),
  BELLY_EXPOSED: rule('sexy', 0.5),
  MALE_BREAST_EXPOSED: rule('sexy', 0.3),
  FACE_FEMALE: rule('ignore'),
  FACE_MALE: rule('ignore'),
  FEET_EXPOSED: rule('ignore'),
  FEET_COVERED: rule('ignore'),
  ARMPITS_EXPOSED: rule('ignore'),
  ARMPITS_COVERED: rule('ignore'),
  BELLY_COVERED: rule('ignore'),
};

/**
 * Why these thresholds: NudeNet scores a clearly visible exposed part at 0.5 to
 * 0.9 and a partly hidden or doubtful one at 0.25 to 0.5. `balanced` blocks the
 * clear cases and sends doubtful ones to a person; only strong sexy evidence
 * (a covered-genitals close-up) is reviewed. `strict` (children's platforms,
 * workplaces) reviews from the first doubtful part and also blocks very sexy
 * images; `lenient` (adult-tolerant communities) acts only on clear nudity.
 *
 * A whole-image classifier sees what NudeNet cannot (sexual activity with no
 * exposed part in view, suggestive poses, drawings), but its softmax
 * probabilities run more confident than NudeNet's part scores. `strict` takes
 * them as they are, so either model alone can block; `balanced` counts them at
 * 0.9, so the classifier alone blocks from 0.67 porn; `lenient` at 0.75, so the
 * classifier alone never blocks (0.75 < 0.8) and only sends a very likely porn
 * image (0.8 and up) to review: there, clear nudity means parts NudeNet found.
 * These are judgement, not measurement: tune them on your own traffic.
 */
export const PRESETS: Readonly<Record<PolicyPreset, Policy>> = {
  strict: {
    preset: 'strict',
    classes: DEFAULT_CLASS_RULES,
    porn: { review: 0.25, block: 0.45 },
    sexy: { review: 0.45, block: 0.8 },
    classifier: { weight: 1, classes: {} },
  },
  balanced: {
    preset: 'balanced',
    classes: DEFAULT_CLASS_RULES,
    porn: { review: 0.4, block: 0.6 },
    sexy: { review: 0.7, block: null },
    classifier: { weight: 0.9, classes: {} },
  },
  lenient: {
    preset: 'lenient',
    classes: DEFAULT_CLASS_RULES,
    porn: { review: 0.6, block: 0.8 },
    sexy: { review: null, block: null },
    classifier: { weight: 0.75, classes: {} },
  },
};

const bad = (message: string) => new VeilError(ErrorCodes.BAD_OPTION, message);

function checkUnit(value: unknown, name: string, nullable: boolean): void {
  if (value === null && nullable) return;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw bad(`Policy option ${name} must be a number from 0 to 1${nullable ? ' or null' : ''}; got ${String(value)}.`);
  }
}

/** A complete policy from a preset name or options; throws VeilError 4001 on a bad value. */
export function resolvePolicy(options: PolicyOptions | PolicyPreset = {}): Policy {
  const opts: PolicyOptions = typeof options === 'string' ? { preset: options } : options;
  const presetName = opts.preset ?? 'balanced';
  const base = PRESETS[presetName];
  if (!base || !Object.hasOwn(PRESETS, presetName)) {
    throw bad(`Unknown policy preset "${String(presetName)}": use strict, balanced or lenient.`);
  }

  const classes = { ...base.classes } as Record<NudeNetClass, ClassRule>;
  for (const [name, override] of Object.entries(opts.classes ?? {})) {
    if (!(NUDENET_CLASSES as readonly string[]).includes(name)) {
      throw bad(`Unknown NudeNet class "${name}" in policy.classes: use one of ${NUDENET_CLASSES.join(', ')}.`);
    }
    const merged = { ...classes[name as NudeNetClass], ...override };
    if (!['porn', 'sexy', 'ignore'].includes(merged.category)) {
      throw bad(`policy.classes.${name}.category must be porn, sexy or ignore; got ${String(merged.category)}.`);
    }
    checkUnit(merged.weight, `classes.${name}.weight`, false);
    checkUnit(merged.minScore, `classes.${name}.minScore`, false);
    classes[name as NudeNetClass] = merged;
  }

  const thresholds = (key: 'porn' | 'sexy'): Thresholds => {
    const merged = { ...base[key], ...opts[key] };
    checkUnit(merged.review, `${key}.review`, true);
    checkUnit(merged.block, `${key}.block`, true);
    if (merged.review !== null && merged.block !== null && merged.review > merged.block) {
      throw bad(
        `Policy ${key}.review (${merged.review}) is above ${key}.block (${merged.block}): an image would be blocked before it could be reviewed.`,
      );
    }
    return merged;
  };

  return { preset: presetName, classes, porn: thresholds('porn'), sexy: thresholds('sexy'), classifier: classifierPolicy(base.classifier, opts.classifier) };
}

function classifierPolicy(base: ClassifierPolicy, options: Partial<ClassifierPolicy> | undefined): ClassifierPolicy {
  if (options === undefined) return base;
  if (typeof options !== 'object' || options === null) throw bad('Policy option classifier must be an object: { weight, classes }.');
  const weight = options.weight ?? base.weight;
  checkUnit(weight, 'classifier.weight', false);
  const classes = { ...base.classes };
  for (const [name, category] of Object.entries(options.classes ?? {})) {
    if (!['porn', 'sexy', 'normal'].includes(category)) {
      throw bad(`policy.classifier.classes.${name} must be porn, sexy or normal; got ${String(category)}.`);
    }
    classes[name] = category;
  }
  return { weight, classes };
}

const reached = (value: number, threshold: number | null) => threshold !== null && value >= threshold;

/**
 * Categories from detections: each category's evidence is its strongest
 * detection's `score * weight`; porn is kept as is, sexy capped at what porn
 * leaves, normal is the rest, so the three form a distribution.
 */
export function categoriesFrom(
  detections: ReadonlyArray<{ class: NudeNetClass; score: number }>,
  policy: Policy,
): Categories {
  let porn = 0;
  let sexy = 0;
  for (const d of detections) {
    const r = policy.classes[d.class];
    if (!r || r.category === 'ignore' || d.score < r.minScore) continue;
    const evidence = Math.min(1, d.score * r.weight);
    if (r.category === 'porn') porn = Math.max(porn, evidence);
    else sexy = Math.max(sexy, evidence);
  }
  sexy = Math.min(sexy, 1 - porn);
  return { porn, sexy, normal: Math.max(0, 1 - porn - sexy) };
}

/**
 * The verdict for category scores, wherever they came from (NudeNet here, or a
 * remote service's own scores):
 * - `label` is the largest category (ties go to the more severe), `score` its value;
 * - `decision` is block when a category reaches its block threshold, review when
 *   one reaches its review threshold, pass otherwise. The label says what the image
 *   most likely is and the decision what this policy does about it, so a strict
 *   policy may review an image still labelled normal.
 */
export function verdictFor(categories: Categories, policy: Policy): Verdict {
  const { porn, sexy, normal } = categories;
  const label: Label = porn >= sexy && porn >= normal ? 'porn' : sexy >= normal ? 'sexy' : 'normal';
  const decision: Decision =
    reached(porn, policy.porn.block) || reached(sexy, policy.sexy.block)
      ? 'block'
      : reached(porn, policy.porn.review) || reached(sexy, policy.sexy.review)
        ? 'review'
        : 'pass';
  return { categories, label, score: categories[label], decision };
}

/**
 * Categories from a whole-image classifier: each category's evidence is the
 * summed probability of the classes mapped to it (the policy's overrides first,
 * then the classifier's own mapping), times `policy.classifier.weight`.
 */
export function classifierCategoriesFrom(output: ClassifierOutput, policy: Policy): Categories {
  const evidence = { porn: 0, sexy: 0, normal: 0 };
  for (const [name, probability] of Object.entries(output.probabilities)) {
    const category = policy.classifier.classes[name] ?? output.categories[name] ?? 'normal';
    evidence[category] += probability;
  }
  const porn = Math.min(1, evidence.porn * policy.classifier.weight);
  const sexy = Math.min(1 - porn, evidence.sexy * policy.classifier.weight);
  return { porn, sexy, normal: Math.max(0, 1 - porn - sexy) };
}

/**
 * The verdict for NudeNet's detections, and a classifier's answer when there is
 * one: each category takes the stronger of the two models' evidence, so either
 * can raise it (sexy still capped at what porn leaves).
 */
export function applyPolicy(
  detections: ReadonlyArray<{ class: NudeNetClass; score: number }>,
  policy: Policy,
  classifier?: ClassifierOutput | null,
): Verdict {
  const parts = categoriesFrom(detections, policy);
  if (!classifier) return verdictFor(parts, policy);
  const scene = classifierCategoriesFrom(classifier, policy);
  const porn = Math.max(parts.porn, scene.porn);
  const sexy = Math.min(Math.max(parts.sexy, scene.sexy), 1 - porn);
  return verdictFor({ porn, sexy, normal: Math.max(0, 1 - porn - sexy) }, policy);
}

/** How bad a verdict is, to pick the frame an animation or clip is judged by. */
export const severity = (v: Verdict) => ['pass', 'review', 'block'].indexOf(v.decision) * 2 + Math.max(v.categories.porn, v.categories.sexy);
