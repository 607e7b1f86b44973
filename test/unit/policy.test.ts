import { describe, expect, it } from 'vitest';
import { isVeilError } from '../../src/errors.js';
import type { NudeNetClass } from '../../src/nudenet/classes.js';
import { NUDENET_CLASSES } from '../../src/nudenet/classes.js';
import { applyPolicy, DEFAULT_CLASS_RULES, resolvePolicy } from '../../src/policy.js';

const d = (cls: NudeNetClass, score: number) => ({ class: cls, score });

describe('applyPolicy with the balanced default', () => {
  const policy = resolvePolicy();

  it('passes an image with no detections as fully normal', () => {
    expect(applyPolicy([], policy)).toEqual({
      categories: { porn: 0, sexy: 0, normal: 1 },
      label: 'normal',
      score: 1,
      decision: 'pass',
    });
  });

  it('matches the gateway example: a face alone is normal and passes', () => {
    expect(applyPolicy([d('FACE_FEMALE', 0.8510541915893555)], policy)).toMatchObject({
      categories: { porn: 0, sexy: 0, normal: 1 },
      label: 'normal',
      decision: 'pass',
    });
  });

  it('blocks clear exposed genitals', () => {
    const v = applyPolicy([d('FACE_FEMALE', 0.9), d('FEMALE_GENITALIA_EXPOSED', 0.82)], policy);
    expect(v).toMatchObject({ label: 'porn', decision: 'block' });
    expect(v.categories.porn).toBeCloseTo(0.82);
    expect(v.score).toBeCloseTo(0.82);
  });

  it('reviews a doubtful exposed part between 0.4 and 0.6, though the label is still normal', () => {
    const v = applyPolicy([d('FEMALE_BREAST_EXPOSED', 0.45)], policy);
    expect(v.decision).toBe('review');
    expect(v.label).toBe('normal');
    expect(v.categories.normal).toBeCloseTo(0.55);
  });

  it('weighs exposed buttocks at 0.8: 0.7 gives 0.56, review not block', () => {
    const v = applyPolicy([d('BUTTOCKS_EXPOSED', 0.7)], policy);
    expect(v.categories.porn).toBeCloseTo(0.56);
    expect(v.decision).toBe('review');
  });

  it('labels lingerie sexy and reviews only strong evidence', () => {
    const strong = applyPolicy([d('FEMALE_GENITALIA_COVERED', 0.9)], policy); // 0.81
    expect(strong).toMatchObject({ label: 'sexy', decision: 'review' });
    const clothed = applyPolicy([d('FEMALE_BREAST_COVERED', 0.9)], policy); // 0.63
    expect(clothed).toMatchObject({ label: 'sexy', decision: 'pass' });
  });

  it('keeps categories a distribution summing to 1, sexy capped by what porn leaves', () => {
    const v = applyPolicy([d('ANUS_EXPOSED', 0.7), d('FEMALE_GENITALIA_COVERED', 0.95)], policy);
    expect(v.categories.porn).toBeCloseTo(0.7);
    expect(v.categories.sexy).toBeCloseTo(0.3);
    expect(v.categories.porn + v.categories.sexy + v.categories.normal).toBeCloseTo(1, 12);
  });

  it('takes the strongest detection of a category, not the sum', () => {
    const v = applyPolicy([d('FEMALE_BREAST_EXPOSED', 0.3), d('FEMALE_BREAST_EXPOSED', 0.35), d('ANUS_EXPOSED', 0.3)], policy);
    expect(v.categories.porn).toBeCloseTo(0.35);
    expect(v.decision).toBe('pass');
  });

  it('ignores faces, feet and armpits entirely', () => {
    const v = applyPolicy(['FACE_MALE', 'FEET_EXPOSED', 'ARMPITS_EXPOSED', 'BELLY_COVERED'].map((c) => d(c as NudeNetClass, 0.99)), policy);
    expect(v.categories).toEqual({ porn: 0, sexy: 0, normal: 1 });
  });
});

describe('presets', () => {
  const lingerie = [d('FEMALE_BREAST_COVERED', 0.8)]; // sexy 0.56
  const doubtful = [d('MALE_GENITALIA_EXPOSED', 0.5)];

  it('strict reviews what balanced passes, and blocks what balanced reviews', () => {
    expect(applyPolicy(lingerie, resolvePolicy('strict')).decision).toBe('review');
    expect(applyPolicy(lingerie, resolvePolicy('balanced')).decision).toBe('pass');
    expect(applyPolicy(doubtful, resolvePolicy('strict')).decision).toBe('block');
    expect(applyPolicy(doubtful, resolvePolicy('balanced')).decision).toBe('review');
  });

  it('lenient passes doubtful parts and never acts on sexy', () => {
    expect(applyPolicy(doubtful, resolvePolicy('lenient')).decision).toBe('pass');
    expect(applyPolicy([d('FEMALE_GENITALIA_COVERED', 1)], resolvePolicy('lenient')).decision).toBe('pass');
    expect(applyPolicy([d('FEMALE_GENITALIA_EXPOSED', 0.85)], resolvePolicy('lenient')).decision).toBe('block');
  });

  it('every preset covers all 18 classes', () => {
    for (const preset of ['strict', 'balanced', 'lenient'] as const) {
      expect(Object.keys(resolvePolicy(preset).classes).sort()).toEqual([...NUDENET_CLASSES].sort());
    }
  });
});

describe('resolvePolicy overrides and validation', () => {
  it('lets a class be ignored or reweighted, and thresholds be moved', () => {
    const policy = resolvePolicy({
      preset: 'balanced',
      classes: { BELLY_EXPOSED: { category: 'ignore' }, FEMALE_BREAST_COVERED: { weight: 1 } },
      sexy: { review: 0.5 },
    });
    expect(policy.classes.BELLY_EXPOSED.category).toBe('ignore');
    expect(applyPolicy([d('BELLY_EXPOSED', 1)], policy).label).toBe('normal');
    expect(applyPolicy([d('FEMALE_BREAST_COVERED', 0.6)], policy).decision).toBe('review');
    expect(policy.porn).toEqual({ review: 0.4, block: 0.6 });
    // the shared defaults are untouched
    expect(DEFAULT_CLASS_RULES.BELLY_EXPOSED.category).toBe('sexy');
  });

  it('honours a per-class minimum score', () => {
    const policy = resolvePolicy({ classes: { FEMALE_BREAST_EXPOSED: { minScore: 0.5 } } });
    expect(applyPolicy([d('FEMALE_BREAST_EXPOSED', 0.45)], policy).decision).toBe('pass');
    expect(applyPolicy([d('FEMALE_BREAST_EXPOSED', 0.55)], policy).decision).toBe('review');
  });

  it.each([
    [{ preset: 'medium' }, /Unknown policy preset "medium"/],
    [{ classes: { NIPPLE: { weight: 1 } } }, /Unknown NudeNet class "NIPPLE"/],
    [{ classes: { FACE_MALE: { weight: 2 } } }, /weight must be a number from 0 to 1/],
    [{ classes: { FACE_MALE: { category: 'nsfw' } } }, /category must be porn, sexy or ignore/],
    [{ porn: { review: 0.7, block: 0.6 } }, /review \(0.7\) is above porn.block \(0.6\)/],
    [{ sexy: { review: Number.NaN } }, /sexy.review must be a number from 0 to 1 or null/],
  ])('refuses %j with code 4001 and a sentence', (options, message) => {
    let error: unknown;
    try {
      resolvePolicy(options as never);
    } catch (e) {
      error = e;
    }
    expect(isVeilError(error)).toBe(true);
    expect(error).toMatchObject({ code: '4001' });
    expect((error as Error).message).toMatch(message);
  });
});
