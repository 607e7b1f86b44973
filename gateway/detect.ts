/**
 * `POST /api/image-nsfw` once its key is accepted and its call admitted
 * (server.ts): body, parameters, backend, image, then the result cache, and
 * only on a miss decoding and inference (model-runner.ts) or a cloud backend. The
 * cache is looked up by the image's SHA-256 before its pixels are decoded, so
 * a repeated image costs its bytes' hash and one Redis GET.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Policy } from '../src/policy.js';
import type { ModerationResult } from '../src/result.js';
import { type BackendChoice, chooseBackend } from './backends.js';
import { callClouds } from './cloud.js';
import type { GatewayConfig } from './config.js';
import { NO_TARGETS } from './model-inputs.js';
import { checkImage, decodeChecked, type LoadedImage, loadFrame, loadImage } from './image-input.js';
import { type GatewayModels, runModels, targetsFor } from './model-runner.js';
import type { GatewayMetrics } from './metrics.js';
import { readParams } from './params.js';
import type { PixelPool } from './pixel-pool.js';
import type { RequestRecord } from './request-log.js';
import { type BodySoFar, bodyKind, parseBody, readBody } from './request-body.js';
import type { Resolver } from './resolver.js';
import { answerFromCache, type ResultCache } from './result-cache.js';
import { sendJson } from './responses.js';

export interface DetectDeps {
  config: GatewayConfig;
  models: GatewayModels;
  policy: Policy;
  pixels: PixelPool;
  resolve: Resolver;
  cache: ResultCache;
  /** The cache's name for a backend choice: models by content, and the policy (result-cache.ts). */
  fingerprint: (choice: BackendChoice) => string;
  metrics: GatewayMetrics;
}

/** What answers, as the result's `backend` names it. */
export const backendName = (choice: BackendChoice, models: GatewayModels) =>
  'cloud' in choice ? choice.cloud : [choice.models.nudenet && 'nudenet', choice.models.classifier && models.classifier!.description.name].filter(Boolean).join('+');

export async function detectImage(
  deps: DetectDeps,
  req: IncomingMessage,
  res: ServerResponse,
  { sofar, started, record, scope }: { sofar?: BodySoFar; started: number; record: RequestRecord; scope: string },
): Promise<void> {
  const { config, models, cache, metrics } = deps;
  const contentType = req.headers['content-type'] ?? '';
  const body = await readBody(req, config.maxBodyBytes, sofar);
  const params = readParams(await parseBody(bodyKind(contentType), body, contentType, config.maxFormFields), models.classifier?.description.name ?? null);
  const choice = chooseBackend(params.backend, { nudenet: models.nudenet !== null, classifier: models.classifier?.description.name ?? null }, config.cloud);
  const backend = backendName(choice, models);
  record.backend = backend;
  const signal = AbortSignal.timeout(params.timeoutS * 1000);
  const fetchOptions = { maxBytes: config.maxImageBytes, signal, timeoutS: params.timeoutS, exempt: config.allowPrivateUrls, resolve: deps.resolve };
  const pixels = { pool: deps.pixels, targets: 'models' in choice ? targetsFor(choice.models, models) : NO_TARGETS };

  const decodeStarted = performance.now();
  let image: LoadedImage;
  let fingerprint: string | null = null;
  if (cache.enabled) {
    const checked = await checkImage(params.image, config.maxImageBytes, fetchOptions, deps.pixels);
    checked.notes.unshift(...params.notes);
    fingerprint = deps.fingerprint(choice);
    const { outcome, entry } = await cache.get(scope, fingerprint, checked.info.sha256);
    record.cache = outcome;
    metrics.looked(outcome, 'detect');
    res.setHeader('x-cache', outcome === 'hit' ? 'hit' : 'miss');
    if (entry) {
      sendJson(res, 200, answerFromCache(entry, { info: checked.info, notes: checked.notes, started }));
      return;
    }
    image = await decodeChecked(checked, config.maxImageBytes, signal, pixels);
  } else {
    record.cache = 'off';
    image = await loadImage(params.image, config.maxImageBytes, fetchOptions, pixels);
    image.notes.unshift(...params.notes);
  }
  record.decodeMs = performance.now() - decodeStarted;
  metrics.stage('decode', backend, record.decodeMs / 1000);

  const inferenceStarted = performance.now();
  let result: ModerationResult;
  if ('models' in choice) {
    const frame = (index: number) => loadFrame(image, index, signal, pixels);
    result = await runModels(image, choice.models, models, { policy: deps.policy, signal, started, frame });
  } else {
    const answer = await callClouds(choice, config, image, signal);
    record.backend = answer.backend;
    result = { ...answer, elapsed_ms: Math.round(performance.now() - started) };
  }
  record.inferenceMs = performance.now() - inferenceStarted;
  metrics.stage('inference', backend, record.inferenceMs / 1000);
  // An answer handed over to the next cloud backend is not the one this fingerprint names: it is not kept.
  const handedOver = 'cloud' in choice && result.backend !== choice.cloud;
  // Baidu and Aliyun are given image_url and download it themselves: the URL's server may send them other bytes than
  // the gateway's download, whose SHA-256 names the entry, so their verdict is never kept under it.
  const vendorFetched = 'cloud' in choice && image.info.type === 'url' && (result.backend === 'baidu' || result.backend === 'aliyun');
  if (fingerprint && !handedOver && !vendorFetched) cache.put(scope, fingerprint, result, image.notes);
  sendJson(res, 200, result);
}
