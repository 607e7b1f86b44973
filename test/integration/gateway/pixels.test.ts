/**
 * What one image can cost the gateway: the library's limits (200 megapixels in
 * all; 40 decoded at once, so a larger PNG is refused) read from the header
 * before anything decodes, pixel work off the main thread
 * (a 40-megapixel BMP leaves /healthz answering), and a large BMP read only in
 * the rows the letterbox uses, which gives the model the very tensor a full
 * decode gives it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../../src/node/decode.js';
import { prepareImage } from '../../../gateway/model-inputs.js';
import { toInputTensor } from '../../../src/nudenet/letterbox.js';
import { DEFAULT_LIMITS } from '../../../src/options.js';
import { BMP_VARIANTS, testPattern, writeBmp } from '../../support/bmp-writer.js';
import { blackPng, healthLatency, postJson, startTestGateway, stripedBmp } from '../../support/gateway.js';

let gateway: Awaited<ReturnType<typeof startTestGateway>>;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

describe('the pixel limit', () => {
  it("is the library's memory ceiling, 40 megapixels, checked from the header: a 10000 x 10000 PNG is refused 4004 at once", async () => {
    expect(DEFAULT_LIMITS.maxDecodePixels).toBe(40_000_000);
    const png = blackPng(10_000, 10_000);
    expect(png.length).toBeLessThan(100_000);
    const started = performance.now();
    const answer = await postJson(gateway.endpoint, { image_b64: png.toString('base64') });
    expect([answer.status, answer.body.code]).toEqual([413, 4004]);
    expect(answer.body.desc).toMatch(/40\.0 megapixels/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("refuses a 30000 x 30000 PNG by the library's 200 megapixels, from its header, at once", async () => {
    expect(DEFAULT_LIMITS.maxPixels).toBe(200_000_000);
    const png = blackPng(30_000, 30_000);
    const answer = await postJson(gateway.endpoint, { image_b64: png.toString('base64') });
    expect([answer.status, answer.body.code]).toEqual([413, 4004]);
    expect(answer.body.desc).toMatch(/900\.0 megapixels\), over the 200\.0 megapixels limit/);
  });

  it('refuses a BMP over it too, from its header', async () => {
    const over = await postJson(gateway.endpoint, { image_b64: stripedBmp(8000, 5001).toString('base64') });
    expect([over.status, over.body.code]).toEqual([413, 4004]);
  });
});

describe('pixel work off the main thread', () => {
  it('leaves /healthz answering within 1 s while a 39.6-megapixel BMP is screened', async () => {
    const bmp = stripedBmp(6000, 6600);
    const answer = postJson(gateway.endpoint, { image_b64: bmp.toString('base64'), timeout: 60 });
    let done = false;
    void answer.finally(() => (done = true));
    const latencies: number[] = [];
    while (!done) {
      latencies.push(await healthLatency(gateway.url));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(body.input).toMatchObject({ mime: 'image/bmp', width: 6000, height: 6600 });
    expect(Math.max(...latencies)).toBeLessThan(1000);
  }, 60_000);
});

describe('a BMP read in the rows the letterbox uses', () => {
  const full = async (bytes: Uint8Array, size: number) => {
    const image = await decodeImage(bytes, 'image/bmp');
    return toInputTensor({ ...image, channels: 4 }, size).tensor;
  };

  it.each(BMP_VARIANTS)('gives the tensor of a full decode: %s', async (variant) => {
    for (const [width, height] of [
      [333, 1400],
      [1500, 700],
    ] as const) {
      const bytes = writeBmp(variant, width, height, testPattern(width, height));
      for (const size of [320, 640]) {
        const prepared = await prepareImage(bytes, 'image/bmp', { nudenet: size, classifier: null });
        expect([prepared.width, prepared.height]).toEqual([width, height]);
        // At 320 both shapes use under half their rows; at 640 they are read whole.
        if (size === 320) expect(prepared.rows?.length, `${variant} ${width}x${height}`).toBeLessThan(height / 2);
        expect(Buffer.from(prepared.tensor!.buffer).equals(Buffer.from((await full(bytes, size)).buffer))).toBe(true);
      }
    }
  });

  it('keeps transparency that shows only in rows it does not read', async () => {
    const [width, height] = [300, 1400];
    const pattern = testPattern(width, height);
    for (let i = 3; i < pattern.length; i += 4) pattern[i] = 0;
    const bytes = writeBmp('argb32-bitfields', width, height, pattern);
    const plain = Buffer.from((await full(bytes, 320)).buffer);
    // Alpha 0 everywhere means opaque; one partly transparent pixel in a row the letterbox skips makes it all transparent.
    const prepared = await prepareImage(bytes, 'image/bmp', { nudenet: 320, classifier: null });
    expect(Buffer.from(prepared.tensor!.buffer).equals(plain)).toBe(true);
    const skipped = [...Array(height).keys()].find((y) => !prepared.rows!.includes(y))!;
    const stride = width * 4;
    const dataOffset = new DataView(bytes.buffer).getUint32(10, true);
    bytes[dataOffset + (height - 1 - skipped) * stride + 3] = 7;
    const withAlpha = await prepareImage(bytes, 'image/bmp', { nudenet: 320, classifier: null });
    expect(Buffer.from(withAlpha.tensor!.buffer).equals(Buffer.from((await full(bytes, 320)).buffer))).toBe(true);
    expect(Buffer.from(withAlpha.tensor!.buffer).equals(plain)).toBe(false);
  });
});
