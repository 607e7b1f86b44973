/**
 * The "Check an image" tab: pick, drop, paste or give a URL, or try a sample;
 * see the image with what NudeNet found outlined (and a sample photo's credit),
 * the decision, the scores, the classifier's own probabilities when one ran,
 * where it ran and the JSON.
 */
import { DEFAULT_CLASS_RULES, isVeilError, type ModerationResult } from 'veil-nsfw';
import type { Engine } from './engine.js';
import { MODELS } from './models.js';
import { acceptDroppedFile } from './file-drop.js';
import { samplePicker, type Picked } from './sample-picker.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const COLOURS = { porn: '#d92d20', sexy: '#dc6803', ignore: '#3157d5' } as const;
const DECISION_TEXT = { pass: 'Pass', review: 'Review', block: 'Block' } as const;
/** Which category nsfwjs's classes count for (models/manifest.json), for the bars' colours. */
const CLASS_CATEGORY: Record<string, string> = { Porn: 'porn', Hentai: 'porn', Sexy: 'sexy' };

/** A row of bars, one per score, coloured by category. */
function bars(scores: [name: string, value: number, category: string][]): HTMLElement[] {
  return scores.map(([name, value, category]) => {
    const row = document.createElement('div');
    row.className = 'bar';
    row.dataset.category = category;
    row.dataset.name = name;
    row.innerHTML = `<span class="bar-name">${name}</span><span class="bar-track" role="meter" aria-label="${name}" aria-valuemin="0" aria-valuemax="1" aria-valuenow="${value}"><span class="bar-fill" style="width:${(value * 100).toFixed(1)}%"></span></span><span class="bar-value">${value.toFixed(2)}</span>`;
    return row;
  });
}

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function drawResult(view: HTMLCanvasElement, bitmap: ImageBitmap, result: ModerationResult | null): void {
  view.width = bitmap.width;
  view.height = bitmap.height;
  const ctx = view.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  const line = Math.max(2, Math.round(Math.max(bitmap.width, bitmap.height) / 320));
  ctx.font = `600 ${line * 6}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  for (const d of result?.detections ?? []) {
    const [x, y, w, h] = d.box;
    const colour = COLOURS[DEFAULT_CLASS_RULES[d.cls].category];
    ctx.strokeStyle = colour;
    ctx.lineWidth = line;
    ctx.strokeRect(x, y, w, h);
    const text = `${d.cls.toLowerCase().replaceAll('_', ' ')} ${d.score.toFixed(2)}`;
    const tagH = line * 10;
    const tagW = ctx.measureText(text).width + line * 4;
    const top = y - tagH >= 0 ? y - tagH : y;
    ctx.fillStyle = colour;
    ctx.fillRect(x - line / 2, top, tagW, tagH);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, x + line * 1.5, top + tagH / 2);
  }
  view.hidden = false;
}

function showResult(result: ModerationResult): void {
  const badge = $('badge');
  badge.dataset.decision = result.decision;
  badge.textContent = DECISION_TEXT[result.decision];
  $('verdict-error').hidden = true;
  $('label').textContent = result.label;
  $('score').textContent = result.score.toFixed(2);
  $('bars').replaceChildren(...bars((['porn', 'sexy', 'normal'] as const).map((k) => [k, result.categories[k], k])));
  // The classifier's own answer, beside the categories the policy made of it.
  const classifier = result.raw.classifier;
  $('classifier').hidden = !classifier;
  if (classifier) {
    $('classifier-name').textContent = `${classifier.model}: the whole image, ${Object.keys(classifier.probabilities).length} classes`;
    $('classifier-bars').replaceChildren(...bars(Object.entries(classifier.probabilities).map(([name, p]) => [name, p, CLASS_CATEGORY[name] ?? 'normal'])));
  }
  const rt = result.runtime;
  const t = result.timings;
  const ms = (v: number | undefined) => (v === undefined ? '–' : `${Math.round(v)} ms`);
  if (rt?.location === 'remote') {
    // Answered by a remote service: say which, and by which of its backends.
    $('rt-provider').textContent = `Remote (${rt.dialect})`;
    $('rt-threads').textContent = '–';
    $('rt-model').textContent = result.backend;
    $('rt-input').textContent = new URL(rt.endpoint).host;
  } else {
    $('rt-provider').textContent = rt ? (rt.provider === 'webgpu' ? 'WebGPU' : 'WASM') : result.backend;
    $('rt-threads').textContent = rt ? (rt.provider === 'webgpu' ? 'GPU' : String(rt.threads)) : '–';
    // The model results name, and the classifier too when it ran beside NudeNet.
    const main = rt ? (rt.model.split('/').pop() ?? rt.model) : result.backend;
    $('rt-model').textContent = classifier && result.raw.nudenet ? `${main} + ${classifier.model}` : main;
    $('rt-input').textContent = rt ? `${rt.input_size} px` : '–';
  }
  $('rt-decode').textContent = ms(t?.decode_ms);
  $('rt-inference').textContent = ms(t?.inference_ms);
  $('rt-total').textContent = ms(result.elapsed_ms);

  const rows = result.detections.map((d) => {
    const tr = document.createElement('tr');
    const category = DEFAULT_CLASS_RULES[d.cls].category;
    const name = document.createElement('td');
    // Long class names may break after an underscore, never inside a word.
    const parts = d.cls.split('_');
    parts.forEach((part, i) => name.append(...(i < parts.length - 1 ? [`${part}_`, document.createElement('wbr')] : [part])));
    name.dataset.category = category;
    tr.append(name, cell(d.score.toFixed(2)), cell(`[${d.box.join(', ')}]`));
    return tr;
  });
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    // A classifier alone reads the whole image and finds no parts: say so rather than "nothing found".
    const td = cell(classifier && !result.raw.nudenet ? 'No boxes: the whole-image classifier ran alone.' : 'Nothing found.');
    td.colSpan = 3;
    td.className = 'muted';
    tr.append(td);
    rows.push(tr);
  }
  $('detections').replaceChildren(...rows);
  $('json').textContent = JSON.stringify(result, null, 2);
}

function showError(error: unknown): void {
  const badge = $('badge');
  badge.dataset.decision = 'error';
  badge.textContent = 'Not checked';
  const detail = $('verdict-error');
  detail.hidden = false;
  detail.textContent = isVeilError(error) ? `Error ${error.code}: ${error.message}` : String(error);
}

/** An image the page can draw: a Blob directly, a URL through an <img> that allows CORS. */
async function bitmapOf(input: Blob | string): Promise<ImageBitmap> {
  if (input instanceof Blob) return createImageBitmap(input);
  const img = new Image();
  img.crossOrigin = 'anonymous';
  img.src = input;
  await img.decode();
  return createImageBitmap(img);
}

export function imageTab(engine: Engine, active: () => boolean): void {
  const drop = $('drop');
  const view = $<HTMLCanvasElement>('view');
  let latest: AbortController | null = null;

  async function check(input: Blob | string, name: string, credit: string | null = null): Promise<void> {
    latest?.abort();
    // A photo's credit and licence go with it on screen; nothing else has one.
    $('credit').hidden = !credit;
    $('credit').textContent = credit ?? '';
    const mine = new AbortController();
    latest = mine;
    const badge = $('badge');
    badge.dataset.decision = 'checking';
    badge.textContent = `Checking ${name}…`;
    drop.removeAttribute('data-empty');
    const [result, bitmap] = await Promise.allSettled([engine.shared.detect(input, { signal: mine.signal }), bitmapOf(input)]);
    if (latest !== mine) return; // a newer image was chosen meanwhile
    if (bitmap.status === 'fulfilled') {
      drawResult(view, bitmap.value, result.status === 'fulfilled' ? result.value : null);
      bitmap.value.close();
    }
    if (result.status === 'fulfilled') showResult(result.value);
    else showError(result.reason);
  }

  $<HTMLInputElement>('file').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void check(file, file.name);
  });
  const picker = samplePicker($('samples'), ({ blob, name, credit }: Picked) => void check(blob, name, credit));
  engine.on((event) => event.type === 'loading' && picker.show(MODELS[event.setup.model].kind === 'test'));
  $<HTMLFormElement>('url-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const url = $<HTMLInputElement>('url').value.trim();
    if (url) void check(url, url.split('/').pop() || url);
  });
  acceptDroppedFile(drop, active, (file) => void check(file, file.name || 'the pasted image'));
}
