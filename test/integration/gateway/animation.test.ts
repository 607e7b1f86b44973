/**
 * Animated GIF and WebP at the gateway, judged as the browser's worker and
 * veil-nsfw/node judge them: sampled frames, the first that blocks decides, and
 * the answer says how (`animation`). The attack this stops: a harmless first
 * frame, an explicit later one. Red is the fixture model's "nudity" (a still red
 * image blocks); grey is nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../support/fixture-data.js';
import { postJson, startTestGateway } from '../../support/gateway.js';

let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const frames: Buffer[] = [];

/** A 2-frame animation, grey then red, as GIF and as lossless WebP; and each frame alone. */
async function greyThenRed(): Promise<{ gif: Buffer; webp: Buffer; red: Buffer }> {
  const frame = (r: number, g: number, b: number) => sharp({ create: { width: 200, height: 150, channels: 3, background: { r, g, b } } }).png().toBuffer();
  frames.push(await frame(128, 128, 128), await frame(255, 0, 0));
  return {
    gif: await sharp(frames, { join: { animated: true } }).gif().toBuffer(),
    webp: await sharp(frames, { join: { animated: true } }).webp({ lossless: true }).toBuffer(),
    red: await sharp(frames[1]).gif().toBuffer(),
  };
}

let images: Awaited<ReturnType<typeof greyThenRed>>;

beforeAll(async () => {
  images = await greyThenRed();
  gateway = await startTestGateway(['--cache-ttl', '600']);
});
afterAll(() => gateway?.close());

const send = (bytes: Buffer) => postJson(gateway.endpoint, { image_b64: bytes.toString('base64') });

describe('animations are judged by their sampled frames, not their first', () => {
  it('a still red GIF blocks (the control)', async () => {
    const { status, body } = await send(images.red);
    expect(status).toBe(200);
    expect(body.decision).toBe('block');
    expect(body.animation).toBeUndefined();
  });

  for (const kind of ['gif', 'webp'] as const) {
    it(`a grey-then-red ${kind} blocks, by its second frame, and the cached answer says so too`, async () => {
      const first = await send(images[kind]);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ decision: 'block', animation: { frames: 2, scanned: 2, decided_by: 1 } });
      expect(first.body.detections.length).toBeGreaterThan(0);
      expect(first.headers.get('x-cache')).toBe('miss');
      const again = await send(images[kind]);
      expect(again.headers.get('x-cache')).toBe('hit');
      expect(again.body).toMatchObject({ decision: 'block', animation: { frames: 2, scanned: 2, decided_by: 1 } });
    });
  }

  it('ten frames, red in frames 5 and 6: the same frames as the library (8 sampled, stops at the first block)', async () => {
    for (const name of ['animated.gif', 'animated.webp']) {
      const { body } = await send(readFileSync(join(ROOT, 'test/.cache/hostile', name)));
      expect(body, name).toMatchObject({ decision: 'block', animation: { frames: 10, scanned: 5, decided_by: 5 } });
    }
  });
});
