/**
 * The model card at the top of the page and the chip in the header: which model,
 * downloading (with progress) or cached, where it runs, and what to do when
 * NudeNet's weights are not installed or the detector cannot start.
 */
import { isVeilError } from 'veil';
import { MODELS, type EngineEvent, type ModelId } from './engine.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

const TEST_MODEL_NOTICE = `
  <details>
    <summary><strong>Running on Veil's test model, not NudeNet.</strong></summary>
    <p>NudeNet's weights are not installed, so this page uses Veil's own test model. It only reacts to flat patches
    of a few exact colours, which the samples and the feed are drawn with: its verdicts show how the page works,
    not how NudeNet judges a photo.</p>
    <p>For real photos: <code>npm run model:fetch -- 320n</code>, then reload.</p>
  </details>`;

export function modelStatus(): { update(event: EngineEvent): void; missing(wanted: ModelId | null): void } {
  const title = $('model-title');
  const detail = $('model-detail');
  const progress = $<HTMLProgressElement>('model-progress');
  const notice = $('model-notice');
  const live = $('model-live');
  const chip = $('engine-chip');
  let missingNote = '';

  const setChip = (state: string, text: string) => {
    chip.dataset.state = state;
    chip.textContent = text;
  };

  return {
    /** Says that the chosen model is not installed and the test model stands in. */
    missing(wanted) {
      missingNote = wanted ? `${MODELS[wanted].name} is not installed (run npm run model:fetch -- ${wanted}); using the test model.` : '';
    },
    update(event) {
      const model = MODELS[event.model];
      switch (event.type) {
        case 'loading':
          title.textContent = `Loading ${model.name}…`;
          detail.textContent = '';
          progress.hidden = true;
          setChip('loading', 'Loading the model…');
          break;
        case 'progress': {
          const { loaded, total, cached } = event.progress;
          if (cached) {
            detail.textContent = `From this browser's cache (${mb(total || loaded)}).`;
            progress.hidden = true;
          } else {
            progress.hidden = false;
            progress.value = total ? loaded / total : 0;
            detail.textContent = `Downloading: ${mb(loaded)}${total ? ` of ${mb(total)}` : ''}.`;
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
          title.textContent = info.location === 'remote' ? `Ready: screening through ${where}` : `Ready: ${model.name} on ${where}`;
          detail.textContent = [
            info.location === 'remote' ? '' : info.modelCached ? 'Loaded from this browser’s cache.' : 'Downloaded and cached for next time.',
            missingNote,
            ...info.notes,
          ]
            .filter(Boolean)
            .join(' ');
          notice.hidden = model.nudenet;
          notice.className = 'notice warning';
          if (!model.nudenet) {
            notice.innerHTML = TEST_MODEL_NOTICE;
            // Open where there is room; on a phone the summary line says it plainly enough.
            const details = notice.querySelector('details')!;
            const wide = matchMedia('(min-width: 821px)');
            details.open = wide.matches;
            wide.onchange = () => (details.open = wide.matches);
          }
          const engine = info.location === 'remote' ? `Remote · ${info.dialect}` : info.provider === 'webgpu' ? 'WebGPU' : `WASM × ${info.threads}`;
          setChip(model.nudenet ? 'ready' : 'test', `${engine} · ${model.nudenet ? model.name : 'test model'}`);
          live.textContent = `Detector ready: ${model.name} on ${where}.`;
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
