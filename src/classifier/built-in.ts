/**
 * The classifiers Veil knows by name, described by the model manifest (the same
 * file `npx veil-nsfw models` converts them by), so their classes and preprocessing
 * are written down once. Imported by the worker only: the page sends a name.
 */
import manifest from '../../models/manifest.json' with { type: 'json' };
import type { ClassifierOptions } from '../options.js';
import { checkDescription, type ClassifierDescription } from './spec.js';

type Entry = (typeof manifest.classifiers)[keyof typeof manifest.classifiers];

/** A classifier's full description: a built-in one's from the manifest, under the caller's own fields. */
export function describeClassifier(name: string, own: ClassifierOptions | null): ClassifierDescription {
  const entry: Entry | undefined = Object.hasOwn(manifest.classifiers, name) ? manifest.classifiers[name as keyof typeof manifest.classifiers] : undefined;
  const base = entry
    ? {
        name,
        inputSize: entry.inputSize,
        classes: entry.classes,
        categories: entry.categories as ClassifierDescription['categories'],
        preprocessing: { divisor: entry.preprocessing.divisor, mean: entry.preprocessing.mean, std: entry.preprocessing.std } as ClassifierDescription['preprocessing'],
      }
    : { name };
  return checkDescription({ ...base, ...own, preprocessing: { ...('preprocessing' in base ? base.preprocessing : {}), ...own?.preprocessing } });
}
