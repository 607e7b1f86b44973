/**
 * The image tab's samples: real photographs (public domain and CC0) when `npm
 * start` could put them in public/samples/, and the drawn scenes of samples.ts,
 * whose Pass, Review and Block names are the test model's verdicts on them.
 */
import { makeSample, PLACES, type SampleKind } from './samples.js';

/** One photo in public/samples/samples.json, written by demo/prepare.mjs. */
export interface Photo {
  file: string;
  title: string;
  alt: string;
  credit: string;
  licence: string;
}

/** What was picked: the image, what the badge calls it, and the credit line a photo must carry. */
export interface Picked {
  blob: Blob;
  name: string;
  credit: string | null;
}

/** The photos, or none when they were not prepared (Vite then answers with the page, not JSON). */
export async function loadPhotos(): Promise<Photo[]> {
  const response = await fetch('samples/samples.json').catch(() => null);
  if (!response?.ok || !(response.headers.get('content-type') ?? '').includes('json')) return [];
  const body = (await response.json().catch(() => null)) as { photos?: Photo[] } | null;
  return Array.isArray(body?.photos) ? body.photos : [];
}

export const creditLine = (photo: Photo) => `Photo: ${photo.credit} · ${photo.licence}`;

/** The drawn samples: which scene of each kind, and its place name for when the test model is not running. */
const DRAWN: { kind: SampleKind; index: number }[] = [
  { kind: 'pass', index: 6 },
  { kind: 'review', index: 2 },
  { kind: 'block', index: 4 },
];
const VERDICT_NAME = { pass: 'Pass', review: 'Review', block: 'Block' } as const;

export interface SamplePicker {
  /**
   * Shows the samples that make sense for the model now running: under the test
   * model the drawn scenes named by its verdicts (and the photos); under a real
   * model the photos, or, without them, the drawn scenes by place name, since a
   * real model sees only a drawing and its colour patch means nothing to it.
   */
  show(testModel: boolean): void;
}

export function samplePicker(group: HTMLElement, onPick: (picked: Picked) => void): SamplePicker {
  let photos: Photo[] = [];
  let testModel = true;
  const drawn = DRAWN.map(({ kind, index }) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button small';
    button.dataset.sample = kind;
    button.addEventListener('click', async () => {
      const sample = await makeSample(index, kind, 640, 480);
      onPick({ blob: sample.blob, name: testModel ? `the ${kind} sample` : `the drawn ${sample.title.toLowerCase()}`, credit: null });
    });
    return { button, kind, index };
  });
  const photoButtons = document.createElement('span');
  photoButtons.className = 'samples';

  const render = () => {
    for (const { button, kind, index } of drawn) {
      button.hidden = !testModel && photos.length > 0;
      button.textContent = testModel ? VERDICT_NAME[kind] : `Drawn: ${PLACES[index % PLACES.length]!.toLowerCase()}`;
    }
  };
  group.append(photoButtons, ...drawn.map((d) => d.button));
  render();

  void loadPhotos().then((found) => {
    photos = found;
    photoButtons.replaceChildren(
      ...photos.map((photo) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'button small';
        button.dataset.photo = photo.file;
        button.textContent = photo.title;
        button.title = creditLine(photo);
        button.addEventListener('click', async () => {
          const blob = await (await fetch(`samples/${photo.file}`)).blob();
          // As a File, so the result names it (input.source) as it would a photo picked from disk.
          onPick({ blob: new File([blob], photo.file, { type: blob.type }), name: photo.file, credit: creditLine(photo) });
        });
        return button;
      }),
    );
    render();
  });

  return {
    show(isTest) {
      testModel = isTest;
      render();
    },
  };
}
