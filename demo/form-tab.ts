/**
 * The upload form tab: a post with photos and clips under screenUploads. Files
 * are checked as they are added; a blocked one keeps the form from being sent.
 */
import { censor, screenUploads, type ScreenedFile } from 'veil-nsfw';
import type { Engine } from './engine.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const STATE_TEXT: Record<ScreenedFile['state'], string> = {
  scanning: 'Checking…',
  pass: 'Fine',
  review: 'Needs review',
  block: 'Blocked',
  error: 'Could not check',
  refused: 'Not accepted',
  skipped: 'Not checked: no image or video',
};

const isClip = (entry: ScreenedFile) => entry.file.type.startsWith('video/') || !!entry.result?.video;
const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
/** "3 photos", "1 clip", "2 photos and 1 clip". */
const count = (photos: number, clips: number) =>
  [photos || !clips ? plural(photos, 'photo') : '', clips ? plural(clips, 'clip') : ''].filter(Boolean).join(' and ');

const size = (bytes: number) => (bytes < 1e6 ? `${Math.max(1, Math.round(bytes / 1e3))} KB` : `${(bytes / 1e6).toFixed(1)} MB`);

/** A preview: plain for a photo that passed, censored for one held back, none for the rest. */
async function thumbnail(entry: ScreenedFile): Promise<HTMLElement> {
  const box = document.createElement('span');
  box.className = 'thumb';
  box.setAttribute('aria-hidden', 'true');
  if (isClip(entry)) {
    // A clip: its first frame when it passed, else just what it is.
    if (entry.state === 'pass') {
      const video = document.createElement('video');
      video.muted = true;
      video.src = URL.createObjectURL(entry.file);
      video.onloadeddata = () => URL.revokeObjectURL(video.src);
      box.append(video);
    } else box.textContent = 'CLIP';
  } else if (entry.state === 'pass') {
    const img = document.createElement('img');
    img.src = URL.createObjectURL(entry.file);
    img.onload = () => URL.revokeObjectURL(img.src);
    box.append(img);
  } else if ((entry.state === 'review' || entry.state === 'block') && entry.result) {
    const canvas = await censor(entry.file, entry.result, { style: entry.state === 'block' ? 'black' : 'pixelate', padding: 8 });
    box.append(canvas);
  } else {
    box.textContent = entry.state === 'skipped' ? 'FILE' : entry.state === 'error' || entry.state === 'refused' ? '!' : '';
  }
  return box;
}

export function formTab(engine: Engine): void {
  const form = $<HTMLFormElement>('post');
  const input = $<HTMLInputElement>('post-files');
  const list = $('post-files-list');
  const error = $('post-error');
  const done = $('post-done');
  const screen = screenUploads(form, { detector: engine.shared });
  let renders = 0;

  function remove(file: File): void {
    const keep = new DataTransfer();
    for (const f of input.files ?? []) if (f !== file) keep.items.add(f);
    input.files = keep.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }

  async function render(): Promise<void> {
    const mine = ++renders;
    const files = screen.files();
    const items = await Promise.all(
      files.map(async (entry) => {
        const li = document.createElement('li');
        li.className = 'file';
        li.dataset.state = entry.state;
        const name = document.createElement('span');
        name.className = 'file-name';
        name.innerHTML = `<strong></strong><span class="muted"></span>`;
        name.firstElementChild!.textContent = entry.file.name;
        name.lastElementChild!.textContent = ` ${size(entry.file.size)}`;
        const chip = document.createElement('span');
        chip.className = 'chip';
        chip.textContent = STATE_TEXT[entry.state];
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'remove';
        button.textContent = '✕';
        button.title = 'Remove';
        button.setAttribute('aria-label', `Remove ${entry.file.name}`);
        button.addEventListener('click', () => remove(entry.file));
        li.append(await thumbnail(entry), name, chip, button);
        return li;
      }),
    );
    if (mine !== renders) return; // a newer render started while thumbnails were drawn
    list.replaceChildren(...items);
    if (!input.validationMessage || screen.state !== 'block') error.hidden = true;
  }

  const log = $('event-log');
  function logEvent(type: string, text: string): void {
    if (log.querySelector('.muted')) log.replaceChildren();
    const li = document.createElement('li');
    li.innerHTML = '<code></code> <span></span>';
    li.firstElementChild!.textContent = type;
    li.lastElementChild!.textContent = text;
    log.prepend(li);
    while (log.children.length > 8) log.lastElementChild!.remove();
  }
  form.addEventListener('veil:result', (event) => {
    const { file, result } = (event as CustomEvent).detail;
    logEvent('veil:result', `${file.name}: ${result.decision} (${result.label} ${result.score.toFixed(2)})`);
  });
  form.addEventListener('veil:error', (event) => {
    const { file, error } = (event as CustomEvent).detail;
    logEvent('veil:error', `${file.name}: ${error.code}`);
  });
  form.addEventListener('veil:skip', (event) => logEvent('veil:skip', `${(event as CustomEvent).detail.file.name}: not an image`));
  form.addEventListener('veil:refused', (event) => {
    const { file, reason } = (event as CustomEvent).detail;
    logEvent('veil:refused', `${file.name}: ${reason}`);
  });

  form.addEventListener('veil:change', () => {
    $('form-state').textContent = form.getAttribute('data-veil') ?? 'none';
    const state = form.getAttribute('data-veil');
    $('form-valid').textContent = input.validity.valid ? 'yes' : state === 'block' ? 'no: a photo is held back' : 'not yet: checking';
    void render();
  });
  form.addEventListener('reset', () => setTimeout(() => void render()));
  form.addEventListener('change', () => (done.hidden = true));
  input.addEventListener('invalid', () => {
    error.textContent = input.validationMessage;
    error.hidden = false;
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault(); // a demo: nothing is uploaded
    const files = screen.files().filter((f) => f.state !== 'skipped');
    const review = files.filter((f) => f.state === 'review').length;
    done.hidden = false;
    done.textContent =
      `Published “${$<HTMLInputElement>('post-title').value}” with ${count(files.filter((f) => !isClip(f)).length, files.filter(isClip).length)}` +
      (review ? `; ${review} will be looked at by a moderator first.` : '.') +
      ' (Demo: nothing was uploaded.)';
    error.hidden = true;
    form.reset();
  });
}
