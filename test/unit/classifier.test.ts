/**
 * The classifier's pieces in Node: its input tensor equals TF.js's own (nsfwjs's
 * preprocessing) bit for bit, the built-in descriptions are the manifest's, and
 * the combined verdict behaves at its corners.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import manifest from '../../models/manifest.json' with { type: 'json' };
import { describeClassifier } from '../../src/classifier/built-in.js';
import { DEFAULT_PREPROCESSING } from '../../src/classifier/spec.js';
import { classifierRows, toClassifierTensor } from '../../src/classifier/tensor.js';
import { rowIndex, type Pixels } from '../../src/image/pixels.js';
import { CLASSIFIER_NAMES } from '../../src/options.js';
import { applyPolicy, resolvePolicy, type ClassifierOutput } from '../../src/policy.js';

function randomPixels(width: number, height: number, channels: 3 | 4, seed: number): Pixels {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  return { data: Uint8Array.from({ length: width * height * channels }, next), width, height, channels };
}

/** nsfwjs's preprocessing on TF.js's CPU backend: RGB / 255, resizeBilinear(alignCorners), NCHW. */
function tfjsTensor(pixels: Pixels, size: number): Float32Array {
  return tf.tidy(() => {
    const rgb = tf.tensor3d(pixels.data as Uint8Array, [pixels.height, pixels.width, pixels.channels], 'int32').slice([0, 0, 0], [-1, -1, 3]);
    let image = rgb.toFloat().div(tf.scalar(255)) as tf.Tensor3D;
    if (pixels.width !== size || pixels.height !== size) image = tf.image.resizeBilinear(image, [size, size], true);
    return image.transpose([2, 0, 1]).dataSync() as Float32Array;
  });
}

describe('classifier input tensor', () => {
  it.each([
    [640, 480, 4, 224],
    [224, 224, 4, 224],
    [1001, 3, 3, 224],
    [7, 5, 4, 224],
    [300, 200, 3, 299],
    [224, 500, 4, 224],
  ] as const)('%i x %i (%i channels) at %i is TF.js\'s, bit for bit', async (width, height, channels, size) => {
    await tf.setBackend('cpu');
    const pixels = randomPixels(width, height, channels, width * height);
    expect(toClassifierTensor(pixels, size, DEFAULT_PREPROCESSING)).toEqual(tfjsTensor(pixels, size));
  });

  it('reads only the rows the stretch uses, and gives the same tensor from them', () => {
    const full = randomPixels(1200, 1800, 4, 7);
    const rows = classifierRows(1200, 1800, 224)!;
    expect(rows.length).toBeLessThanOrEqual(2 * 224);
    const data = new Uint8Array(rows.length * 1200 * 4);
    rows.forEach((y, k) => data.set(full.data.subarray(y * 1200 * 4, (y + 1) * 1200 * 4), k * 1200 * 4));
    const sparse: Pixels = { data, width: 1200, height: 1800, channels: 4, rows: rowIndex(1800, rows) };
    expect(toClassifierTensor(sparse, 224, DEFAULT_PREPROCESSING)).toEqual(toClassifierTensor(full, 224, DEFAULT_PREPROCESSING));
    expect(classifierRows(224, 224, 224)).toBeNull();
  });

  it('applies a mean and std per channel', () => {
    const pixels = randomPixels(224, 224, 3, 3);
    const plain = toClassifierTensor(pixels, 224, DEFAULT_PREPROCESSING);
    const normalised = toClassifierTensor(pixels, 224, { divisor: 255, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5] });
    const plane = 224 * 224;
    expect(normalised[10]).toBeCloseTo((plain[10]! - 0.5) / 0.2, 6);
    expect(normalised[plane + 10]).toBeCloseTo((plain[plane + 10]! - 0.4) / 0.25, 6);
    expect(normalised[2 * plane + 10]).toBeCloseTo((plain[2 * plane + 10]! - 0.3) / 0.5, 6);
  });
});

describe('built-in classifiers', () => {
  it('are the manifest\'s, by the same names', () => {
    expect([...CLASSIFIER_NAMES].sort()).toEqual(Object.keys(manifest.classifiers).sort());
    for (const name of CLASSIFIER_NAMES) {
      const entry = manifest.classifiers[name];
      expect(describeClassifier(name, null)).toEqual({
        name,
        inputSize: entry.inputSize,
        classes: entry.classes,
        categories: entry.categories,
        preprocessing: { divisor: 255, mean: [0, 0, 0], std: [1, 1, 1] },
      });
    }
  });

  it('take a caller\'s overrides, and refuse an unknown classifier without a description', () => {
    expect(describeClassifier('nsfwjs-mobilenet-v2', { name: 'nsfwjs-mobilenet-v2', categories: { ...manifest.classifiers['nsfwjs-mobilenet-v2'].categories, Hentai: 'sexy' } }).categories.Hentai).toBe('sexy');
    expect(() => describeClassifier('mine', { name: 'mine' })).toThrow(/classifier.inputSize/);
  });
});

describe('the combined verdict', () => {
  const nsfwjs = (probabilities: Partial<Record<'Drawing' | 'Hentai' | 'Neutral' | 'Porn' | 'Sexy', number>>): ClassifierOutput => ({
    probabilities: { Drawing: 0, Hentai: 0, Neutral: 0, Porn: 0, Sexy: 0, ...probabilities },
    categories: manifest.classifiers['nsfwjs-mobilenet-v2'].categories as ClassifierOutput['categories'],
  });
  const part = (cls: 'FEMALE_BREAST_EXPOSED' | 'FACE_FEMALE', score: number) => ({ class: cls, score, box: [0, 0, 10, 10] as [number, number, number, number] });

  it('the classifier says porn with no parts found: blocked by strict and balanced, reviewed by lenient', () => {
    const scene = nsfwjs({ Porn: 0.95, Neutral: 0.05 });
    expect(applyPolicy([], resolvePolicy('strict'), scene)).toMatchObject({ decision: 'block', label: 'porn' });
    expect(applyPolicy([], resolvePolicy('balanced'), scene)).toMatchObject({ decision: 'block', label: 'porn', score: 0.95 * 0.9 });
    expect(applyPolicy([], resolvePolicy('lenient'), scene)).toMatchObject({ decision: 'review', label: 'porn' });
  });

  it('parts found with a neutral classifier: the parts decide', () => {
    const v = applyPolicy([part('FEMALE_BREAST_EXPOSED', 0.8)], resolvePolicy('balanced'), nsfwjs({ Neutral: 0.98, Drawing: 0.02 }));
    expect(v).toMatchObject({ decision: 'block', label: 'porn', categories: { porn: 0.8 } });
  });

  it('a neutral photo with a face: pass', () => {
    expect(applyPolicy([part('FACE_FEMALE', 0.9)], resolvePolicy('balanced'), nsfwjs({ Neutral: 0.9, Sexy: 0.1 }))).toMatchObject({ decision: 'pass', label: 'normal' });
  });

  it('drawings count as normal, hentai as porn unless the policy says otherwise', () => {
    expect(applyPolicy([], resolvePolicy('balanced'), nsfwjs({ Drawing: 0.97, Neutral: 0.03 }))).toMatchObject({ decision: 'pass', label: 'normal' });
    expect(applyPolicy([], resolvePolicy('balanced'), nsfwjs({ Hentai: 0.9, Drawing: 0.1 }))).toMatchObject({ decision: 'block', label: 'porn' });
    const drawingsAllowed = resolvePolicy({ classifier: { classes: { Hentai: 'sexy' } } });
    expect(applyPolicy([], drawingsAllowed, nsfwjs({ Hentai: 0.9, Drawing: 0.1 }))).toMatchObject({ decision: 'review', label: 'sexy' });
  });

  it('porn and sexy split between the models stay a distribution', () => {
    const v = applyPolicy([part('FEMALE_BREAST_EXPOSED', 0.5)], resolvePolicy('strict'), nsfwjs({ Sexy: 0.7, Neutral: 0.3 }));
    expect(v.categories.porn + v.categories.sexy + v.categories.normal).toBeCloseTo(1, 10);
    expect(v.categories).toEqual({ porn: 0.5, sexy: 0.5, normal: 0 });
  });

  it('refuses a bad classifier policy with 4001', () => {
    expect(() => resolvePolicy({ classifier: { weight: 2 } })).toThrow(/classifier.weight/);
    expect(() => resolvePolicy({ classifier: { classes: { Porn: 'nasty' as never } } })).toThrow(/porn, sexy or normal/);
  });
});
