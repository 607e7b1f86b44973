/**
 * The model card at the top of the page and the chip in the header: which model,
 * downloading (with progress) or cached, where it runs, what the classifier
 * alone or the test model can and cannot show, and what to do when NudeNet's
 * weights are not installed or the detector cannot start.
 */
import { isVeilError } from 'veil-nsfw';
import { setupName, type EngineEvent, type Setup } from './engine.js';
import { MODELS, type ModelId } from './models.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Who chose the model: the page address (`?model=`, as the tests open the page), the settings, or nobody (the best installed). */
export type ChosenBy = 'address' | 'settings' | null;

const TEST_REASON = {
  address: 'The page address asks for it (<code>?model=test</code>), so',
  settings: 'It is chosen in the settings, so',
  none: "Neither NudeNet's weights nor the classifier are installed, so",
};

const TEST_MODEL_NOTICE = (by: ChosenBy) => `
  <details>
    <summary><strong>Running on Veil's test model, not NudeNet.</strong></summary>
    <p>${TEST_REASON[by ?? 'none']} this page uses Veil's own test model. It only reacts to flat patches of a few exact colours, which the drawn
    samples and the feed are drawn with: its verdicts show how the page works, not how a real model judges a photo.</p>
    <p>For real photos: <code>npm start</code> makes the whole-image classifier; <code>npm run model:fetch -- 320n</code>
    adds NudeNet's boxes. Then reload${by === 'address' ? ' without <code>?model=test</code>' : by === 'settings' ? ' and choose "Best installed"' : ''}.</p>
  </details>`;

/** The classifier alone: what it gives, what it cannot (boxes), and how to get both. */
const CLASSIFIER_NOTICE = (by: ChosenBy) => `
  <details>
    <summary><strong>Whole-image classifier, no boxes.</strong></summary>
    <p>${by ? `It is chosen in the ${by === 'address' ? 'page address' : 'settings'}` : "NudeNet's weights are not installed"}, so this page runs nsfwjs's MobileNetV2 alone, converted to ONNX and run by
    Veil's worker. It reads the whole image and gives five probabilities (Drawing, Hentai, Neutral, Porn, Sexy), which
    the policy turns into a verdict. It finds no body parts, so there are no boxes to draw or to blur: held-back photos
    are covered whole.</p>
    <p>For boxes: <code>npm run model:fetch -- 320n</code>${by ? ' if it is not installed, and choose "Best installed"' : ', then reload'}; NudeNet and the classifier then run together.</p>
  </details>`;

export interface ModelStatus {
  update(event: EngineEvent): void;
  /** Notes that `wanted` is not installed and `instead` runs; null clears the note. */
  missing(wanted: ModelId | null, instead?: Setup): void;
  /** Records who chose the model, which the test model's notice mentions. */
  chosen(by: ChosenBy): void;
}

export function modelStatus(): ModelStatus {
  const title = $('model-title');
  const detail = $('model-detail');
  const progress = $<HTMLProgressElement>('model-progress');
  const notice = $('model-notice');
  const live = $('model-live');
  const chip = $('engine-chip');
  let missingNote = '';
  let chosenBy: ChosenBy = null;

  const setChip = (state: string, text: string) => {
    chip.dataset.state = state;
    chip.textContent = text;
  };

  const install = (id: ModelId) => (id === 'classifier' ? 'npm start' : id === 'test' ? 'npm run models' : `npm run model:fetch -- ${id}`);

  return {
    chosen(by) {
      chosenBy = by;
    },
    missing(wanted, instead) {
      missingNote = wanted && instead ? `${MODELS[wanted].name} is not installed (run ${install(wanted)}); using ${setupName(instead)}.` : '';
    },
    update(event) {
      const name = setupName(event.setup);
      const kind = MODELS[event.setup.model].kind;
      switch (event.type) {
        case 'loading':
          title.textContent = `Loading ${name}…`;
          detail.textContent = '';
          progress.hidden = true;
          setChip('loading', 'Loading the model…');
          break;
        case 'progress': {
          const { loaded, total, cached } = event.progress;
          // Two models load side by side when the classifier runs beside NudeNet: name the file.
          const file = event.setup.withClassifier ? ` ${event.progress.model.split('/').pop()}` : '';
          if (cached) {
            detail.textContent = `From this browser's cache${file} (${mb(total || loaded)}).`;
            progress.hidden = true;
          } else {
            progress.hidden = false;
            progress.value = total ? loaded / total : 0;
            detail.textContent = `Downloading${file}: ${mb(loaded)}${total ? ` of ${mb(total)}` : ''}.`;
          }
          break;
        }
        case 'ready': {
          const info = event.detector.info;
          const where =
            info.location === 'remote'
              ? `the ${info.dialect} service at ${new URL(info.endpoint).host}`
              : info.provider === 'webgpu'
                ? 'WebGPU'
                : `WASM, ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
          progress.hidden = true;
          title.textContent = info.location === 'remote' ? `Ready: screening through ${where}` : `Ready: ${name} on ${where}`;
          detail.textContent = [
            info.location === 'remote' ? '' : info.modelCached ? 'Loaded from this browser’s cache.' : 'Downloaded and cached for next time.',
            missingNote,
            ...info.notes,
          ]
            .filter(Boolean)
            .join(' ');
          notice.hidden = kind === 'nudenet' || info.location === 'remote';
          notice.className = kind === 'test' ? 'notice warning' : 'notice info';
          if (!notice.hidden) {
            notice.innerHTML = kind === 'test' ? TEST_MODEL_NOTICE(chosenBy) : CLASSIFIER_NOTICE(chosenBy);
            // Open where there is room; on a phone the summary line says it plainly enough.
            const details = notice.querySelector('details')!;
            const wide = matchMedia('(min-width: 821px)');
            details.open = wide.matches;
            wide.onchange = () => (details.open = wide.matches);
          }
          const engine = info.location === 'remote' ? `Remote · ${info.dialect}` : info.provider === 'webgpu' ? 'WebGPU' : `WASM × ${info.threads}`;
          const chipText = { nudenet: name, classifier: 'classifier, no boxes', test: 'test model' }[kind];
          if (info.location === 'remote') setChip('ready', engine);
          else setChip(kind === 'nudenet' ? 'ready' : kind, `${engine} · ${chipText}`);
          live.textContent = `Detector ready: ${name} on ${where}.`;
          break;
        }
        case 'failed': {
          const message = isVeilError(event.error) ? `Error ${event.error.code}: ${event.error.message}` : String(event.error);
          progress.hidden = true;
          title.textContent = 'The detector could not start';
          detail.textContent = message;
          notice.hidden = false;
          notice.className = 'notice error';
          notice.textContent =
            'Try the WASM provider only (Settings), check that the model file is served, or reload the page. Images cannot be checked until the detector starts.';
          setChip('failed', 'Detector not running');
          live.textContent = 'The detector could not start.';
          break;
        }
      }
    },
  };
}
