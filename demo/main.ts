/**
 * The demo page: pick, drop or paste an image and see what Veil decides.
 * Uses NudeNet's 320n weights when they are installed in public/models/, and the
 * project's own test model otherwise, saying so on screen.
 */
import { createDetector, isVeilError, type Detector, type ModelProgress, type ModerationResult } from 'veil';

const NUDENET_MODEL = '/models/320n.onnx';
const TEST_MODEL = '/models/veil-fixture-320.onnx';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('model-status');
const progressBar = $<HTMLProgressElement>('model-progress');
const hint = $('model-hint');
const drop = $('drop');
const view = $<HTMLCanvasElement>('view');

/** The weights are third-party and never bundled: use them only if the user fetched them. */
async function chooseModel(): Promise<{ url: string; real: boolean }> {
  const head = await fetch(NUDENET_MODEL, { method: 'HEAD' }).catch(() => null);
  const real = !!head?.ok && head.headers.get('content-type') !== 'text/html';
  return real ? { url: NUDENET_MODEL, real } : { url: TEST_MODEL, real };
}

function showProgress(p: ModelProgress): void {
  if (p.cached) {
    status.textContent = `Model loaded from the browser cache (${(p.total / 1e6).toFixed(1)} MB).`;
    progressBar.hidden = true;
    return;
  }
  progressBar.hidden = false;
  progressBar.value = p.total ? p.loaded / p.total : 0;
  status.textContent = `Downloading the model… ${(p.loaded / 1e6).toFixed(1)} MB${p.total ? ` of ${(p.total / 1e6).toFixed(1)} MB` : ''}`;
}

async function start(): Promise<Detector> {
  const model = await chooseModel();
  const detector = await createDetector({ model: model.url, onProgress: showProgress });
  progressBar.hidden = true;
  const info = detector.info;
  const where =
    info.location === 'remote'
      ? `the remote ${info.dialect} service`
      : info.provider === 'webgpu'
        ? 'WebGPU'
        : `WASM, ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  status.textContent = `Ready: ${model.real ? "NudeNet's 320n model" : "the project's test model"} on ${where}.`;
  if (!model.real) {
    hint.hidden = false;
    hint.innerHTML =
      "NudeNet's weights are not installed, so this page runs on Veil's own test model, which only finds flat colour patches (try the sample). " +
      'Install the real model with <code>npm run model:fetch -- 320n</code> and reload.';
  }
  return detector;
}

function drawResult(bitmap: ImageBitmap, result: ModerationResult): void {
  view.width = bitmap.width;
  view.height = bitmap.height;
  const ctx = view.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  const line = Math.max(2, Math.round(Math.max(bitmap.width, bitmap.height) / 300));
  ctx.font = `${line * 7}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  for (const d of result.detections) {
    const [x, y, w, h] = d.box;
    const colour = d.score >= 0.5 ? '#e53e3e' : '#dd6b20';
    ctx.strokeStyle = colour;
    ctx.lineWidth = line;
    ctx.strokeRect(x, y, w, h);
    const text = `${d.cls} ${d.score.toFixed(2)}`;
    const pad = line * 2;
    const width = ctx.measureText(text).width + pad * 2;
    const top = Math.max(0, y - line * 9);
    ctx.fillStyle = colour;
    ctx.fillRect(x, top, width, line * 9);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, x + pad, top + line);
  }
  view.hidden = false;
}

function showVerdict(result: ModerationResult): void {
  const badge = $('badge');
  badge.dataset.decision = result.decision;
  badge.textContent = result.decision;
  $('label').textContent = result.label;
  $('score').textContent = result.score.toFixed(4);
  const rt = result.runtime;
  $('runtime').textContent =
    rt?.location === 'local'
      ? `${rt.provider === 'webgpu' ? 'WebGPU' : `WASM × ${rt.threads}`}, model ${rt.model.split('/').pop()} at ${rt.input_size}`
      : rt?.location === 'remote'
        ? `remote ${rt.dialect} (${result.backend}) at ${rt.endpoint}`
        : result.backend;
  const t = result.timings;
  $('timing').textContent = t
    ? `${result.elapsed_ms} ms (decode ${t.decode_ms.toFixed(0)}, inference ${t.inference_ms.toFixed(0)})`
    : `${result.elapsed_ms} ms`;
  $('bars').replaceChildren(
    ...(['porn', 'sexy', 'normal'] as const).map((k) => {
      const row = document.createElement('div');
      row.className = 'bar';
      const value = result.categories[k];
      row.innerHTML = `<span>${k}</span><meter min="0" max="1" value="${value}"></meter><span>${value.toFixed(2)}</span>`;
      return row;
    }),
  );
  const rows = result.detections.map((d) => {
    const tr = document.createElement('tr');
    for (const text of [d.cls, d.score.toFixed(2), `[${d.box.join(', ')}]`]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  });
  if (rows.length === 0) rows.push(Object.assign(document.createElement('tr'), { innerHTML: '<td colspan="3">None</td>' }));
  $('detections').replaceChildren(...rows);
  $('json').textContent = JSON.stringify(result, null, 2);
}

function showError(error: unknown): void {
  const badge = $('badge');
  badge.dataset.decision = 'error';
  badge.textContent = isVeilError(error) ? `${error.code}: ${error.message}` : String(error);
}

/** A photo-like sample with patches in the test model's colours, so it has something to find. */
async function sample(): Promise<Blob> {
  const canvas = new OffscreenCanvas(640, 480);
  const ctx = canvas.getContext('2d')!;
  const sky = ctx.createLinearGradient(0, 0, 640, 480);
  sky.addColorStop(0, 'rgb(96,118,140)');
  sky.addColorStop(1, 'rgb(150,132,122)');
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, 640, 480);
  const patches: [string, number, number, number, number][] = [
    ['rgb(0,255,0)', 250, 60, 110, 120],
    ['rgb(255,0,255)', 215, 220, 210, 80],
    ['rgb(0,255,255)', 260, 320, 120, 70],
  ];
  for (const [colour, x, y, w, h] of patches) {
    ctx.fillStyle = colour;
    ctx.fillRect(x, y, w, h);
  }
  return canvas.convertToBlob({ type: 'image/png' });
}

const ready = start().catch((error) => {
  status.textContent = 'The detector could not start.';
  hint.hidden = false;
  hint.textContent = isVeilError(error) ? `${error.code}: ${error.message}` : String(error);
  throw error;
});

async function screen(file: Blob): Promise<void> {
  const detector = await ready;
  $('badge').dataset.decision = 'none';
  $('badge').textContent = 'Screening…';
  try {
    const [result, bitmap] = await Promise.all([detector.detect(file), createImageBitmap(file)]);
    drawResult(bitmap, result);
    bitmap.close();
    showVerdict(result);
  } catch (error) {
    showError(error);
  }
}

$<HTMLInputElement>('file').addEventListener('change', (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) void screen(file);
});
$('sample').addEventListener('click', async () => screen(await sample()));
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const file = [...(event.dataTransfer?.files ?? [])].find((f) => f.type.startsWith('image/')) ?? event.dataTransfer?.files[0];
  if (file) void screen(file);
});
drop.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    $<HTMLInputElement>('file').click();
  }
});
window.addEventListener('paste', (event) => {
  const file = [...(event.clipboardData?.files ?? [])][0];
  if (file) void screen(file);
});
