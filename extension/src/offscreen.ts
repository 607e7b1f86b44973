/**
 * The offscreen document: hosts Veil's detector (its Web Worker, onnxruntime's
 * WASM, the models packaged in the extension or installed from the options page).
 * It reads an image's bytes (handed over by the page, or fetched here with the
 * extension's host permission when the page may not read them), looks them up by
 * SHA-256, checks them, and answers with the result under the chosen policy.
 * Offscreen documents may use chrome.runtime alone: the service worker sends the
 * settings with each check.
 */
import { ErrorCodes, PRESETS, VeilError, applyPolicy, createDetector, isVeilError, type Detector, type ModerationResult, type PolicyPreset } from '../../src/index.js';
import manifest from '../../models/manifest.json';
import type { CheckAnswer, ModelChoice } from './settings.js';
import { nudenet, nudenetSha, remember, resultFor, sha256, shaFor } from './store.js';

const CLASSIFIER = 'nsfwjs-mobilenet-v2';
const CATEGORIES = manifest.classifiers[CLASSIFIER].categories as Record<string, 'porn' | 'sexy' | 'normal'>;
/** Images fetched and checked at once, across every tab; the rest wait in order. */
const IN_FLIGHT = 4;

export interface CheckRequest {
  target: 'offscreen';
  type: 'check';
  key: string;
  url: string;
  data?: string;
  policy: PolicyPreset;
  models: ModelChoice;
}

let current: { key: string; detector: Promise<Detector> } | null = null;

/** The detector for the chosen models; NudeNet, when chosen but not installed, gives way to the classifier. */
async function detectorFor(models: ModelChoice): Promise<{ detector: Detector; key: string }> {
  const sha = models === 'classifier' ? null : await nudenetSha();
  const classifier = models !== 'nudenet' || !sha;
  const key = [classifier ? CLASSIFIER : '', sha ? `nudenet:${sha}` : ''].filter(Boolean).join('+');
  if (current?.key !== key) {
    const old = current;
    // Set before any await, so that checks arriving meanwhile share this detector.
    current = {
      key,
      detector: (async () => {
        const net = sha ? await nudenet() : null;
        return createDetector({
          model: net ? net.bytes : undefined,
          classifier: classifier ? { name: CLASSIFIER, model: chrome.runtime.getURL(`models/${CLASSIFIER}.onnx`) } : undefined,
          providers: ['wasm'],
          // The extension keeps its own results (store.ts); its models are its own files, not for Cache Storage.
          cache: false,
          cacheModel: false,
        });
      })(),
    };
    current.detector.catch(() => (current = null));
    void old?.detector.then((d) => d.dispose(), () => undefined);
  }
  return { detector: await current!.detector, key };
}

/** The result under the user's policy: the models' raw answers are kept, so a new policy needs no new check. */
function underPolicy(result: ModerationResult, preset: PolicyPreset): ModerationResult {
  const classifier = result.raw.classifier ? { probabilities: result.raw.classifier.probabilities, categories: CATEGORIES } : null;
  const verdict = applyPolicy(result.raw.nudenet ?? [], PRESETS[preset], classifier);
  return { ...result, categories: verdict.categories, label: verdict.label, score: verdict.score, decision: verdict.decision };
}

async function bytesOf(request: CheckRequest): Promise<ArrayBuffer> {
  if (request.data) return (await fetch(request.data)).arrayBuffer();
  let response: Response;
  try {
    // The extension's host permission lets it read other sites' images without CORS; with the user's cookies, as the page's <img> loads them.
    response = await fetch(request.url, { credentials: 'include' });
  } catch (error) {
    throw new VeilError(ErrorCodes.FETCH_FAILED, `${request.url} could not be fetched: ${(error as Error).message}`);
  }
  if (!response.ok) throw new VeilError(ErrorCodes.FETCH_FAILED, `${request.url} answered HTTP ${response.status}.`);
  return response.arrayBuffer();
}

async function check(request: CheckRequest): Promise<CheckAnswer> {
  try {
    const { detector, key } = await detectorFor(request.models);
    // An image only the extension can read: the page shows its own load of the URL, so the URL's last check stands for it.
    if (!request.data) {
      const sha = await shaFor(request.url);
      const known = sha && (await resultFor(sha, key));
      if (known) return { result: underPolicy(known, request.policy) };
    }
    const bytes = await bytesOf(request);
    const sha = await sha256(bytes);
    let result = await resultFor(sha, key);
    if (!result) {
      // Named after its URL, so the result's input.source says where it came from.
      result = await detector.detect(new File([bytes], /^(data|blob):/i.test(request.url) ? 'page image' : request.url));
      await remember(sha, key, result, request.data ? undefined : request.url).catch(() => undefined);
    }
    return { result: underPolicy(result, request.policy) };
  } catch (error) {
    if (isVeilError(error)) return { error: { code: error.code, message: error.message } };
    return { error: { code: ErrorCodes.DECODE_FAILED, message: String((error as Error)?.message ?? error) } };
  }
}

/** Waiting checks, in the order they came (each page sends its nearest images first), and those running. */
const waiting: { request: CheckRequest; answer: (a: CheckAnswer) => void }[] = [];
let running = 0;

function pump(): void {
  while (running < IN_FLIGHT && waiting.length) {
    const { request, answer } = waiting.shift()!;
    running++;
    void check(request)
      .then(answer)
      .finally(() => {
        running--;
        pump();
      });
  }
}

chrome.runtime.onMessage.addListener((message: { target?: string; type?: string; key?: string }, _sender, respond) => {
  if (message?.target !== 'offscreen') return;
  if (message.type === 'cancel') {
    const i = waiting.findIndex((w) => w.request.key === message.key);
    if (i >= 0) waiting.splice(i, 1)[0]!.answer({ error: { code: ErrorCodes.ABORTED, message: 'The check was cancelled.' } });
    return;
  }
  if (message.type === 'status') {
    void nudenet().then(
      (model) => respond({ waiting: waiting.length, running, models: current?.key ?? null, nudenet: model?.sha256 ?? null }),
      (error: Error) => respond({ waiting: waiting.length, running, models: current?.key ?? null, nudenet: `error: ${error.message}` }),
    );
    return true;
  }
  if (message.type !== 'check') return;
  waiting.push({ request: message as CheckRequest, answer: respond });
  pump();
  return true;
});

// Last: the service worker sends no check before it hears this.
void chrome.runtime.sendMessage({ type: 'offscreen-ready' });
