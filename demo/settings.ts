/**
 * The settings tab: what it holds, its defaults, keeping it across visits
 * (localStorage), and reading it back from the form as the user changes it.
 */
import { PRESETS, resolvePolicy, isVeilError, type PolicyPreset, type Provider, type Thresholds } from 'veil-nsfw';
import { MODELS, type ModelId } from './models.js';

export type Mode = 'local' | 'remote' | 'auto';

export interface Settings {
  mode: Mode;
  model: 'auto' | ModelId;
  providers: Provider[];
  policy: { preset: PolicyPreset; porn: Thresholds; sexy: Thresholds };
  gatewayUrl: string;
  apiKey: string;
}

const KEY = 'veil-demo-settings-v1';

export function defaults(): Settings {
  const { porn, sexy } = PRESETS.balanced;
  return { mode: 'local', model: 'auto', providers: ['webgpu', 'wasm'], policy: { preset: 'balanced', porn: { ...porn }, sexy: { ...sexy } }, gatewayUrl: '', apiKey: '' };
}

export function load(): Settings {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<Settings> | null;
    if (saved) return { ...defaults(), ...saved };
  } catch {
    // unreadable: start again from the defaults
  }
  return defaults();
}

export function save(settings: Settings): void {
  // The API key stays in memory only: a demo should not leave secrets in storage.
  localStorage.setItem(KEY, JSON.stringify({ ...settings, apiKey: '' }));
}

/** What a change needs: a new detector, a new policy only, or nothing at all. */
export type Change = 'engine' | 'policy' | 'none';

const num = (value: string): number | null => (value.trim() === '' ? null : Number(value));

export class SettingsForm {
  readonly #form: HTMLFormElement;
  readonly #status: HTMLElement;
  #settings: Settings;

  constructor(form: HTMLFormElement, settings: Settings, onChange: (settings: Settings, change: Change) => void) {
    this.#form = form;
    this.#status = form.querySelector('#settings-status')!;
    this.#settings = settings;
    this.write(settings);
    form.addEventListener('submit', (event) => event.preventDefault());
    form.addEventListener('change', (event) => {
      const name = (event.target as HTMLInputElement).name;
      if (name === 'preset') this.#writeThresholds(PRESETS[this.#field<HTMLSelectElement>('preset').value as PolicyPreset]);
      const next = this.read();
      if (!next) return;
      const change: Change = ['mode', 'model', 'provider'].includes(name) ? 'engine' : name === 'gateway' || name === 'key' ? (next.mode === 'local' ? 'none' : 'engine') : 'policy';
      this.#settings = next;
      save(next);
      this.#noteMode(next);
      this.#say(change === 'engine' ? 'Saved. Restarting the detector…' : 'Saved.');
      onChange(next, change);
    });
    form.querySelector('#settings-reset')!.addEventListener('click', () => {
      const fresh = defaults();
      this.write(fresh);
      this.#settings = fresh;
      save(fresh);
      this.#say('Defaults restored.');
      onChange(fresh, 'engine');
    });
  }

  get settings(): Settings {
    return this.#settings;
  }

  #field<T extends HTMLElement = HTMLInputElement>(name: string): T {
    return this.#form.elements.namedItem(name) as T;
  }

  #say(text: string): void {
    this.#status.textContent = text;
  }

  #writeThresholds({ porn, sexy }: { porn: Thresholds; sexy: Thresholds }): void {
    for (const [cat, t] of [['porn', porn], ['sexy', sexy]] as const) {
      this.#field(`${cat}-review`).value = t.review === null ? '' : String(t.review);
      this.#field(`${cat}-block`).value = t.block === null ? '' : String(t.block);
    }
  }

  write(s: Settings): void {
    this.#noteMode(s);
    for (const radio of this.#form.querySelectorAll<HTMLInputElement>('input[name="mode"]')) radio.checked = radio.value === s.mode;
    for (const box of this.#form.querySelectorAll<HTMLInputElement>('input[name="provider"]')) box.checked = s.providers.includes(box.value as Provider);
    this.#field<HTMLSelectElement>('model').value = s.model;
    this.#field<HTMLSelectElement>('preset').value = s.policy.preset;
    this.#writeThresholds(s.policy);
    this.#field('gateway').value = s.gatewayUrl;
    this.#field('key').value = s.apiKey;
  }

  /** The form as settings, or null (with the reason shown) when it does not make sense yet. */
  read(): Settings | null {
    const providers = [...this.#form.querySelectorAll<HTMLInputElement>('input[name="provider"]:checked')].map((b) => b.value as Provider);
    this.#form.querySelector<HTMLInputElement>('input[name="provider"]')!.setCustomValidity(providers.length ? '' : 'Choose at least one provider.');
    if (!providers.length) return this.#invalid('Choose at least one provider.');
    const policy = {
      preset: this.#field<HTMLSelectElement>('preset').value as PolicyPreset,
      porn: { review: num(this.#field('porn-review').value), block: num(this.#field('porn-block').value) },
      sexy: { review: num(this.#field('sexy-review').value), block: num(this.#field('sexy-block').value) },
    };
    try {
      resolvePolicy(policy);
    } catch (error) {
      return this.#invalid(isVeilError(error) ? error.message : String(error));
    }
    return {
      mode: (this.#form.querySelector<HTMLInputElement>('input[name="mode"]:checked')?.value ?? 'local') as Mode,
      model: this.#field<HTMLSelectElement>('model').value as Settings['model'],
      providers,
      policy,
      gatewayUrl: this.#field('gateway').value.trim(),
      apiKey: this.#field('key').value,
    };
  }

  #invalid(message: string): null {
    this.#say(`Not applied: ${message}`);
    return null;
  }

  /** Lists the models, marking those not installed. */
  setModels(installed: Record<ModelId, boolean>): void {
    const select = this.#field<HTMLSelectElement>('model');
    const options = [new Option('Best installed', 'auto')];
    for (const [id, model] of Object.entries(MODELS) as [ModelId, (typeof MODELS)[ModelId]][]) {
      // NudeNet runs with the classifier beside it when both are installed; the classifier alone has no boxes.
      const name = model.kind === 'nudenet' && installed.classifier ? `${model.name} + classifier` : model.kind === 'classifier' ? `${model.name} alone (no boxes)` : model.name;
      const option = new Option(installed[id] ? name : `${name} (not installed)`, id);
      option.disabled = !installed[id];
      options.push(option);
    }
    select.replaceChildren(...options);
    const missing = (['320n', '640m'] as const).filter((id) => !installed[id]);
    this.#form.querySelector('#model-note')!.textContent = [
      installed.classifier ? '' : 'To make the whole-image classifier: npm start.',
      missing.length
        ? `To install NudeNet's weights: npm run model:fetch -- ${missing.join(' (or ')}${missing.length > 1 ? ')' : ''}, then reload.`
        : "NudeNet's 320n is quick on any device; 640m finds more, at about eight times the work.",
    ]
      .filter(Boolean)
      .join(' ');
    select.value = this.#settings.model !== 'auto' && installed[this.#settings.model] ? this.#settings.model : 'auto';
  }

  /** Remote and auto need a gateway: say how to get one while its URL is empty. */
  #noteMode(settings: Settings): void {
    const note = this.#form.querySelector<HTMLElement>('#mode-note')!;
    note.hidden = settings.mode === 'local' || settings.gatewayUrl !== '';
    note.textContent =
      'Enter the gateway URL below. To run one here: npm run gateway -- --port 8787 --model public/models/veil-fixture-320.onnx --keys key1 --cors-origins http://127.0.0.1:5173, then use http://127.0.0.1:8787/api/image-nsfw with key key1.';
  }
}
