/**
 * The "Check an image" tab: pick, drop, paste or give a URL; see the image with
 * what Veil found outlined, the decision, the scores, where it ran and the JSON.
 */
import { DEFAULT_CLASS_RULES, isVeilError, type ModerationResult } from 'veil';
import type { Engine } from './engine.js';
import { makeSample, type SampleKind } from './samples.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const COLOURS = { porn: '#d92d20', sexy: '#dc6803', ignore: '#3157d5' } as const;
const DECISION_TEXT = { pass: 'Pass', review: 'Review', block: 'Block' } as const;

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
  $('bars').replaceChildren(
    ...(['porn', 'sexy', 'normal'] as const).map((k) => {
      const value = result.categories[k];
      const row = document.createElement('div');
      row.className = 'bar';
      row.dataset.category = k;
      row.innerHTML = `<span class="bar-name">${k}</span><span class="bar-track" role="meter" aria-label="${k}" aria-valuemin="0" aria-valuemax="1" aria-valuenow="${value}"><span class="bar-fill" style="width:${(value * 100).toFixed(1)}%"></span></span><span class="bar-value">${value.toFixed(2)}</span>`;
      return row;
    }),
  );
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
    $('rt-model').textContent = rt ? (rt.model.split('/').pop() ?? rt.model) : result.backend;
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
    const td = cell('Nothing found.');
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

  async function check(input: Blob | string, name: string): Promise<void> {
    latest?.abort();
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
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-sample]')) {
    button.addEventListener('click', async () => {
      const kind = button.dataset.sample as SampleKind;
      const sample = await makeSample({ pass: 6, review: 2, block: 4 }[kind], kind, 640, 480);
      await check(sample.blob, `the ${kind} sample`);
    });
  }
  $<HTMLFormElement>('url-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const url = $<HTMLInputElement>('url').value.trim();
    if (url) void check(url, url.split('/').pop() || url);
  });
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file) void check(file, file.name);
  });
  window.addEventListener('paste', (event) => {
    const file = event.clipboardData?.files[0];
    if (!file || !active()) return;
    event.preventDefault();
    void check(file, file.name || 'the pasted image');
  });
}
