/**
 * The video tab: a clip picked, dropped or made from a sample is screened with
 * detectVideo, each sampled frame's verdict appearing on a timeline as it comes
 * (onFrame), with a jump to the frame that decided; and a camera switch that
 * runs watchVideo on the live picture.
 */
import { isVeilError, watchVideo, type VideoFrameResult, type VideoResult, type VideoWatch } from 'veil-nsfw';
import type { Engine } from './engine.js';
import { MODELS } from './models.js';
import { acceptDroppedFile } from './file-drop.js';
import { SAMPLE_CLIPS, makeSampleClip } from './sample-clips.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const DECISION_TEXT = { pass: 'Pass', review: 'Review', block: 'Block' } as const;

/** A time as a player shows it: 0:03, or 0:03.5 between whole seconds. */
export function clock(seconds: number): string {
  const whole = Math.floor(seconds);
  const tenths = Math.round((seconds - whole) * 10);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}${tenths && tenths < 10 ? `.${tenths}` : ''}`;
}

const size = (bytes: number) => (bytes < 1e6 ? `${Math.max(1, Math.round(bytes / 1e3))} KB` : `${(bytes / 1e6).toFixed(1)} MB`);

export interface VideoTab {
  /** The tab was left: the clip pauses and the camera goes off. */
  hidden(): void;
}

export function videoTab(engine: Engine, active: () => boolean): VideoTab {
  const drop = $('video-drop');
  const view = $<HTMLVideoElement>('video-view');
  const timeline = $('timeline');
  const playhead = $('playhead');
  const badge = $('video-badge');
  const jump = $<HTMLButtonElement>('video-jump');
  let latest: AbortController | null = null;
  let duration = 0;
  let decidedAt: number | null = null;
  let objectUrl: string | null = null;

  const seek = (time: number) => {
    view.pause();
    view.currentTime = time;
    view.focus();
  };

  /** Markers sit at their frame's time along the clip's length, once that is known. */
  function place(): void {
    for (const marker of timeline.querySelectorAll<HTMLElement>('.frame')) {
      marker.style.left = duration ? `${(Number(marker.dataset.time) / duration) * 100}%` : '0';
    }
    $('timeline-end').textContent = duration ? clock(duration) : '';
  }

  function addFrame(frame: VideoFrameResult): void {
    const marker = document.createElement('button');
    marker.type = 'button';
    marker.className = 'frame';
    marker.dataset.decision = frame.decision;
    marker.dataset.time = String(frame.time_s);
    const text = `${clock(frame.time_s)}: ${DECISION_TEXT[frame.decision]}, score ${frame.score.toFixed(2)}`;
    marker.title = text;
    marker.setAttribute('aria-label', `Frame at ${text}`);
    marker.addEventListener('click', () => seek(frame.time_s));
    timeline.append(marker);
    place();
    $('video-progress').textContent = `${frame.index + 1} frame${frame.index ? 's' : ''} screened, the last at ${clock(frame.time_s)}: ${DECISION_TEXT[frame.decision].toLowerCase()}`;
  }

  function reset(name: string): void {
    timeline.querySelectorAll('.frame').forEach((f) => f.remove());
    badge.dataset.decision = 'checking';
    badge.textContent = `Checking ${name}…`;
    $('video-error').hidden = true;
    for (const id of ['decided', 'frames', 'label', 'score', 'duration', 'size', 'mime', 'codec', 'total']) $(`video-${id}`).textContent = '–';
    $('video-progress').textContent = 'Opening the clip…';
    jump.disabled = true;
    jump.textContent = 'Jump to the deciding frame';
    decidedAt = null;
    duration = 0;
    place();
  }

  function showResult(result: VideoResult, whole: boolean): void {
    const { video } = result;
    badge.dataset.decision = result.decision;
    badge.textContent = DECISION_TEXT[result.decision];
    duration = video.duration_s;
    place();
    decidedAt = video.decided_at_s;
    $('video-decided').textContent = clock(video.decided_at_s);
    $('video-frames').textContent = String(video.frames_scanned);
    $('video-label').textContent = result.label;
    $('video-score').textContent = result.score.toFixed(2);
    $('video-duration').textContent = `${video.duration_s.toFixed(1)} s`;
    $('video-size').textContent = `${video.width} × ${video.height}, ${size(result.input.size_bytes)}`;
    $('video-mime').textContent = video.mime;
    $('video-codec').textContent = video.codec;
    $('video-total').textContent = `${Math.round(result.elapsed_ms)} ms`;
    const frames = `${video.frames_scanned} frame${video.frames_scanned === 1 ? '' : 's'} screened`;
    $('video-progress').textContent = !whole && result.decision === 'block' ? `${frames}: stopped at the first blocked one, at ${clock(video.decided_at_s)}.` : `${frames}.`;
    for (const marker of timeline.querySelectorAll<HTMLElement>('.frame')) marker.toggleAttribute('data-deciding', Number(marker.dataset.time) === video.decided_at_s);
    jump.disabled = false;
    jump.textContent = `Jump to the deciding frame (${clock(video.decided_at_s)})`;
  }

  function showError(error: unknown): void {
    badge.dataset.decision = 'error';
    badge.textContent = 'Not checked';
    const detail = $('video-error');
    detail.hidden = false;
    detail.textContent = isVeilError(error) ? `Error ${error.code}: ${error.message}` : String(error);
    $('video-progress').textContent = 'The clip could not be screened.';
  }

  async function check(file: File): Promise<void> {
    latest?.abort();
    const mine = new AbortController();
    latest = mine;
    reset(file.name);
    drop.removeAttribute('data-empty');
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(file);
    view.src = objectUrl;
    view.hidden = false;
    const whole = $<HTMLInputElement>('video-whole').checked;
    try {
      const result = await engine.shared.detectVideo(file, {
        signal: mine.signal,
        stopAt: whole ? null : 'block',
        onFrame: (frame) => latest === mine && addFrame(frame),
      });
      if (latest === mine) showResult(result, whole);
    } catch (error) {
      if (latest === mine && !(isVeilError(error) && error.code === '4099')) showError(error);
    }
  }

  view.addEventListener('loadedmetadata', () => {
    if (!duration && Number.isFinite(view.duration)) {
      duration = view.duration;
      place();
    }
  });
  view.addEventListener('timeupdate', () => {
    playhead.style.left = duration ? `${Math.min(100, (view.currentTime / duration) * 100)}%` : '0';
  });
  jump.addEventListener('click', () => decidedAt !== null && seek(decidedAt));

  $<HTMLInputElement>('video-file').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void check(file);
  });
  acceptDroppedFile(drop, active, (file) => void check(file));

  // Sample clips show their patches to the test model only: a real model would see a plain drawn scene.
  const samples = $('video-samples');
  for (const clip of SAMPLE_CLIPS) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button small';
    button.textContent = clip.label;
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await check(await makeSampleClip(clip));
      } catch (error) {
        showError(error);
      } finally {
        button.disabled = false;
      }
    });
    samples.append(button);
  }
  engine.on((event) => event.type === 'loading' && (samples.hidden = MODELS[event.setup.model].kind !== 'test'));

  // The camera, under watchVideo.
  const cameraSwitch = $<HTMLInputElement>('camera-switch');
  const camera = $<HTMLVideoElement>('camera-view');
  let watch: VideoWatch | null = null;
  let count = 0;
  /** Each switch-on's number: a camera that opens after a later switch is stopped, not shown. */
  let attempt = 0;

  function cameraOff(): void {
    attempt++;
    watch?.stop();
    watch = null;
    for (const track of (camera.srcObject as MediaStream | null)?.getTracks() ?? []) track.stop();
    camera.srcObject = null;
    $('camera-stage').hidden = true;
    cameraSwitch.checked = false;
  }

  async function cameraOn(): Promise<void> {
    $('camera-error').hidden = true;
    const mine = ++attempt;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 } } });
      if (mine !== attempt) {
        for (const track of stream.getTracks()) track.stop(); // switched off, or on again, meanwhile
        return;
      }
      camera.srcObject = stream;
      await camera.play();
    } catch (error) {
      cameraOff();
      $('camera-error').hidden = false;
      $('camera-error').textContent = `The camera could not be opened: ${error instanceof Error ? error.message : String(error)}`;
      return;
    }
    if (!cameraSwitch.checked || mine !== attempt) return; // switched off while the browser asked
    $('camera-stage').hidden = false;
    count = 0;
    $('camera-count').textContent = '0';
    watch = watchVideo(camera, {
      detector: engine.shared,
      fps: 2,
      onResult(result) {
        count++;
        $('camera-count').textContent = String(count);
        const state = $('camera-state');
        state.dataset.decision = result.decision;
        state.textContent = DECISION_TEXT[result.decision];
        $('camera-last').textContent = `${result.label} ${result.score.toFixed(2)}, ${Math.round(result.elapsed_ms)} ms`;
      },
      onError(error) {
        $('camera-last').textContent = `Error ${error.code}: ${error.message}`;
      },
    });
  }

  cameraSwitch.addEventListener('change', () => (cameraSwitch.checked ? void cameraOn() : cameraOff()));

  return {
    hidden() {
      view.pause();
      cameraOff();
    },
  };
}
