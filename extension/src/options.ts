/**
 * The options page: which model checks images, NudeNet's download (from its
 * GitHub release, with progress, checked against the model manifest's SHA-256
 * where one is pinned, and loaded once by Veil to check that it is NudeNet)
 * or a file the user already has, and the stored results.
 */
import { createDetector } from '../../src/index.js';
import manifest from '../../models/manifest.json';
import { loadSettings, saveSettings, type ModelChoice } from './settings.js';
import { RESULT_CAP, clearResults, countResults, nudenet, removeNudenet, saveNudenet, sha256 } from './store.js';

const MODEL = manifest.models['320n'];
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const say = (text: string) => ($('message').textContent = text);

async function render(): Promise<void> {
  const settings = await loadSettings();
  for (const input of document.querySelectorAll<HTMLInputElement>('input[name=models]')) input.checked = input.value === settings.models;
  const model = await nudenet();
  $('nudenet-state').textContent = model
    ? `Installed: ${model.name}, ${(model.bytes.byteLength / 1e6).toFixed(1)} MB, SHA-256 ${model.sha256}, from ${model.source}.`
    : 'Not installed.';
  $('remove').hidden = !model;
  $('stored').textContent = String(await countResults());
  $('cap').textContent = String(RESULT_CAP);
}

/** Loads the file as Veil would, so a file that is not NudeNet is refused here, with Veil's sentence, rather than on every page. */
async function install(bytes: ArrayBuffer, name: string, source: string): Promise<void> {
  const sha = await sha256(bytes);
  if (MODEL.sha256 && source === MODEL.url && sha !== MODEL.sha256) throw new Error(`The download's SHA-256 is ${sha}, not the pinned ${MODEL.sha256}: it was not kept.`);
  say('Checking the model…');
  const detector = await createDetector({ model: bytes.slice(0), providers: ['wasm'], cacheModel: false, cache: false, warmUp: false });
  detector.dispose();
  await saveNudenet({ name, bytes, sha256: sha, source });
  say(`NudeNet is installed (SHA-256 ${sha}).`);
}

async function download(): Promise<void> {
  const progress = $<HTMLProgressElement>('progress');
  progress.hidden = false;
  progress.removeAttribute('value');
  say(`Downloading ${MODEL.url}…`);
  const response = await fetch(MODEL.url);
  if (!response.ok || !response.body) throw new Error(`${MODEL.url} answered HTTP ${response.status}.`);
  const total = Number(response.headers.get('content-length')) || MODEL.approxBytes;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (const reader = response.body.getReader(); ; ) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    progress.value = Math.min(1, loaded / total);
    say(`Downloading: ${(loaded / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) bytes.set(c, (at += c.byteLength) - c.byteLength);
  await install(bytes.buffer, MODEL.file, MODEL.url);
  progress.hidden = true;
}

const fail = (error: unknown) => say(`Not installed: ${(error as Error)?.message ?? error}`);

$('release').setAttribute('href', MODEL.url);
$('download').addEventListener('click', () => void download().catch(fail).finally(render));
$('file').addEventListener('change', () => {
  const file = $<HTMLInputElement>('file').files?.[0];
  if (file) void file.arrayBuffer().then((bytes) => install(bytes, file.name, 'a file on this computer')).catch(fail).finally(render);
});
$('remove').addEventListener('click', () => void removeNudenet().then(() => say('NudeNet was removed.')).finally(render));
$('clear').addEventListener('click', () => void clearResults().finally(render));
for (const input of document.querySelectorAll<HTMLInputElement>('input[name=models]')) {
  input.addEventListener('change', () => input.checked && void saveSettings({ models: input.value as ModelChoice }));
}
void render();
