/**
 * The classifier backend against real gateways on loopback, on nsfwjs's real
 * MobileNetV2 weights: each `backend` value, what `auto` runs, the verdict as the
 * library builds it, probabilities equal to the model run here on the library's
 * own tensor of a full decode (a BMP read in part included), `/healthz`, files
 * that do not fit refused at start, and a classifier that does not answer in time.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClassifier } from '../../../gateway/classifier.js';
import { decodeImage } from '../../../src/node/decode.js';
import { prepareImage } from '../../../gateway/model-inputs.js';
import { describeClassifier } from '../../../src/classifier/built-in.js';
import { classifierRows, toClassifierTensor } from '../../../src/classifier/tensor.js';
import { isSupportedMime, sniffMime } from '../../../src/image/sniff.js';
import { buildResult } from '../../../src/nudenet/build-result.js';
import { resolvePolicy } from '../../../src/policy.js';
import { testPattern, writeBmp } from '../../support/bmp-writer.js';
import { CLASSIFIER, CLASSIFIER_MODEL, imageBytes, MODEL_320, PHOTOS, postJson, startTestGateway } from '../../support/gateway.js';

const description = describeClassifier(CLASSIFIER, null);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const fixture = b64(imageBytes('landscape-640x480.jpg'));
const photo = readFileSync(join(PHOTOS, 'astronaut-1200.jpg'));

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
async function start(...args: Parameters<typeof startTestGateway>) {
  const gateway = await startTestGateway(...args);
  closers.push(() => gateway.close());
  return gateway;
}

/** The model run here, on the library's tensor of a full decode: what the gateway must give. */
let session: ort.InferenceSession;
beforeAll(async () => {
  session = await ort.InferenceSession.create(CLASSIFIER_MODEL);
});
afterAll(() => session.release());
async function reference(bytes: Uint8Array): Promise<Record<string, number>> {
  const mime = sniffMime(bytes);
  if (!isSupportedMime(mime)) throw new Error(`not an image: ${mime}`);
  const image = await decodeImage(bytes, mime);
  const tensor = toClassifierTensor({ ...image, channels: 4 }, description.inputSize, description.preprocessing);
  const outputs = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', tensor, [1, 3, 224, 224]) });
  const values = outputs[session.outputNames[0]!]!.data as Float32Array;
  return Object.fromEntries(description.classes.map((c, i) => [c, values[i]!]));
}

/** The library's result for the parts the answer reports: the verdict must be exactly this. */
function libraryResult(body: Record<string, any>) {
  const classifier = body.raw.classifier && { name: body.raw.classifier.model, probabilities: body.raw.classifier.probabilities, categories: description.categories };
  return buildResult({
    raw: body.raw.nudenet ?? [],
    classifier,
    nudenet: 'nudenet' in body.raw,
    policy: resolvePolicy('balanced'),
    input: body.input,
    elapsedMs: body.elapsed_ms,
    notes: body.notes,
  });
}

describe('--classifier nsfwjs-mobilenet-v2 beside NudeNet', () => {
  it('answers each backend value with what it names, the verdict as the library builds it', async () => {
    const gateway = await start(['--classifier', CLASSIFIER]);
    const expected = await reference(imageBytes('landscape-640x480.jpg'));
    const answers: Record<string, Record<string, any>> = {};
    for (const backend of ['', 'auto', 'nudenet', 'local', CLASSIFIER, 'NSFWJS-MobileNet-V2', `nudenet+${CLASSIFIER}`]) {
      const { status, body } = await postJson(gateway.endpoint, { image_b64: fixture, backend });
      expect(status, `${backend}: ${JSON.stringify(body)}`).toBe(200);
      expect(body, backend).toEqual(libraryResult(body));
      answers[backend] = body;
    }
    const both = `nudenet+${CLASSIFIER}`;
    for (const backend of ['', 'auto', both]) {
      expect(answers[backend]!.backend, backend).toBe(both);
      expect(answers[backend]!.raw.classifier).toEqual({ model: CLASSIFIER, probabilities: expected });
      expect(answers[backend]!.detections.map((d: { cls: string }) => d.cls)).toEqual(['FEMALE_BREAST_EXPOSED', 'FACE_FEMALE', 'ANUS_EXPOSED']);
    }
    for (const backend of ['nudenet', 'local']) {
      expect(answers[backend]).toMatchObject({ backend: 'nudenet', detections: answers.auto!.detections, decision: 'block' });
      expect(answers[backend]!.raw.classifier).toBeUndefined();
    }
    for (const backend of [CLASSIFIER, 'NSFWJS-MobileNet-V2']) {
      expect(answers[backend]).toMatchObject({ backend: CLASSIFIER, detections: [], raw: { classifier: { model: CLASSIFIER, probabilities: expected } } });
      expect(answers[backend]!.raw.nudenet).toBeUndefined();
    }
  });

  it('gives the probabilities of the model run on a full decode, for a real photo and for a BMP read in part', async () => {
    const gateway = await start(['--classifier', CLASSIFIER]);
    const [width, height] = [600, 4000];
    const bmp = writeBmp('argb32-bitfields', width, height, testPattern(width, height));
    // Only the rows the letterbox and the classifier's stretch read, all of those, and under half of the image.
    const prepared = await prepareImage(bmp, 'image/bmp', { nudenet: 320, classifier: description });
    expect(prepared.rows!.length).toBeLessThan(height / 2);
    expect([...classifierRows(width, height, 224)!].every((y) => prepared.rows!.includes(y))).toBe(true);
    for (const bytes of [photo, bmp]) {
      const { status, body } = await postJson(gateway.endpoint, { image_b64: b64(bytes) });
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.raw.classifier.probabilities).toEqual(await reference(bytes));
    }
  });

  it('lists the classifier in /healthz backends and its queue in load', async () => {
    const gateway = await start(['--classifier', CLASSIFIER]);
    const health = await (await fetch(`${gateway.url}/healthz`)).json();
    expect(health.backends).toEqual({ nudenet: true, [CLASSIFIER]: true, baidu: false, tencent: false, aliyun: false });
    expect(health.load.classifier).toEqual({ running: 0, queued: 0 });
  });

  it('refuses another backend with 4001 naming the ones it has', async () => {
    const gateway = await start(['--classifier', CLASSIFIER]);
    for (const backend of ['marqo', 'nudenet+marqo', `${CLASSIFIER}+nudenet`, 'nsfwjs-inception-v3']) {
      const { status, body } = await postJson(gateway.endpoint, { image_b64: fixture, backend });
      expect([status, body.code], backend).toEqual([400, 4001]);
      expect(body.desc).toContain(`auto, nudenet (or local), ${CLASSIFIER}, nudenet+${CLASSIFIER}, baidu`);
    }
  });
});

describe('a classifier alone', () => {
  it('answers auto with the classifier, and 5021 for NudeNet', async () => {
    const gateway = await start(['--classifier', CLASSIFIER], { model: null });
    const auto = await postJson(gateway.endpoint, { image_b64: b64(photo) });
    expect(auto.status).toBe(200);
    expect(auto.body).toMatchObject({ backend: CLASSIFIER, detections: [], label: 'normal', decision: 'pass' });
    expect(auto.body).toEqual(libraryResult(auto.body));
    for (const backend of ['nudenet', `nudenet+${CLASSIFIER}`]) {
      const answer = await postJson(gateway.endpoint, { image_b64: fixture, backend });
      expect([answer.status, answer.body.code], backend).toEqual([503, 5021]);
      expect(answer.body.desc).toContain(`started without --model. Use backend=${CLASSIFIER}`);
    }
  });

  it('runs a classifier described in a JSON file, its model path relative to the file', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'veil-classifier-'));
    const file = join(folder, 'mine.json');
    const categories = Object.fromEntries(Object.entries(description.categories).map(([c, v]) => [c.toLowerCase(), v]));
    writeFileSync(file, JSON.stringify({ name: 'Mine', model: 'nowhere.onnx', inputSize: 224, classes: Object.keys(categories), categories }));
    // The file's own model is missing; --classifier-model names the real one.
    await expect(start(['--classifier', file], { model: null })).rejects.toMatchObject({ code: '5010', message: expect.stringContaining(join(folder, 'nowhere.onnx')) });
    const gateway = await start(['--classifier', file, '--classifier-model', CLASSIFIER_MODEL]);
    const { body } = await postJson(gateway.endpoint, { image_b64: fixture, backend: 'nudenet+mine' });
    expect(body.backend).toBe('nudenet+Mine');
    expect(Object.keys(body.raw.classifier.probabilities)).toEqual(['drawing', 'hentai', 'neutral', 'porn', 'sexy']);
  });
});

describe('refused at start', () => {
  it('a file that is not the classifier described, with one sentence naming the file (5010)', async () => {
    await expect(start(['--classifier', CLASSIFIER, '--classifier-model', MODEL_320])).rejects.toMatchObject({
      code: '5010',
      message: `${MODEL_320}: This model is not the classifier "${CLASSIFIER}" describes: it takes images [1,3,320,320] and gives output0 [1,22,2100], where that classifier takes [1,3,224,224] and gives [1,5].`,
    });
    const folder = mkdtempSync(join(tmpdir(), 'veil-classifier-'));
    const file = join(folder, 'wrong-size.json');
    writeFileSync(file, JSON.stringify({ name: CLASSIFIER, inputSize: 299, model: CLASSIFIER_MODEL }));
    await expect(start(['--classifier', file])).rejects.toMatchObject({ code: '5010', message: expect.stringContaining('takes [1,3,299,299]') });
    await expect(start(['--classifier', CLASSIFIER, '--classifier-model', join(folder, 'missing.onnx')])).rejects.toMatchObject({
      code: '5010',
      message: expect.stringMatching(/could not be loaded .*npx veil-nsfw models nsfwjs-mobilenet-v2/),
    });
  });
});

describe('a classifier that does not answer', () => {
  it('answers 5025 when the request timeout runs out, and serves the next request once it recovers', async () => {
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const classifier = createClassifier(description, 'stuck.onnx', async () => {
      await stuck;
      return Float32Array.from([0, 0, 1, 0, 0]);
    }, async () => undefined);
    const gateway = await start([], { model: null, classifier });
    const answer = await postJson(gateway.endpoint, { image_b64: fixture, timeout: 3 });
    expect([answer.status, answer.body.code]).toEqual([503, 5025]);
    expect(answer.body.desc).toMatch(/nsfwjs-mobilenet-v2 backend did not answer within the request's timeout/);
    release();
    const next = await postJson(gateway.endpoint, { image_b64: fixture });
    expect(next.body).toMatchObject({ backend: CLASSIFIER, decision: 'pass', label: 'normal', raw: { classifier: { probabilities: { Neutral: 1 } } } });
  });
});
