// A worker: what ImageDecoder gives for each image, and how long each way of
// decoding takes (bench/decode.mjs). Medians of `rounds` runs, in turns.
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;

async function decodeFrame(bytes, type, extra = {}) {
  const decoder = new ImageDecoder({ data: bytes, type, colorSpaceConversion: 'none', preferAnimation: false, ...extra });
  try {
    return (await decoder.decode()).image;
  } finally {
    decoder.close();
  }
}

async function probe({ url, rounds }) {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const type = url.endsWith('.png') ? 'image/png' : url.endsWith('.webp') ? 'image/webp' : 'image/jpeg';
  const blob = new Blob([bytes], { type });
  const frame = await decodeFrame(bytes, type);
  const info = {
    format: frame.format,
    coded: `${frame.codedWidth}x${frame.codedHeight}`,
    display: `${frame.displayWidth}x${frame.displayHeight}`,
    rotation: frame.rotation ?? null,
    flip: frame.flip ?? null,
    colorSpace: `${frame.colorSpace.matrix}/${frame.colorSpace.fullRange ? 'full' : 'limited'}`,
  };
  frame.close();
  // ImageDecoder's desiredWidth/Height: does Chromium decode smaller?
  let desired = null;
  try {
    const small = await decodeFrame(bytes, type, { desiredWidth: 400, desiredHeight: 400 });
    desired = `${small.codedWidth}x${small.codedHeight}`;
    small.close();
  } catch (e) {
    desired = String(e);
  }
  const t = { decode: [], copyTo: [], bitmap: [], canvas: [], bitmapSmall: [], decodeDesired: [] };
  const canvas = new OffscreenCanvas(1, 1);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  for (let r = 0; r < rounds; r++) {
    let s = performance.now();
    const f = await decodeFrame(bytes, type);
    t.decode.push(performance.now() - s);
    s = performance.now();
    const data = new Uint8Array(f.allocationSize());
    await f.copyTo(data);
    t.copyTo.push(performance.now() - s);
    f.close();
    s = performance.now();
    const b = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'from-image' });
    t.bitmap.push(performance.now() - s);
    s = performance.now();
    canvas.width = b.width;
    canvas.height = b.height;
    ctx.drawImage(b, 0, 0);
    ctx.getImageData(0, 0, b.width, b.height);
    t.canvas.push(performance.now() - s);
    const scale = 640 / Math.max(b.width, b.height);
    const [w, h] = [Math.round(b.width * scale), Math.round(b.height * scale)];
    b.close();
    s = performance.now();
    const small = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'from-image', resizeWidth: w, resizeHeight: h, resizeQuality: 'medium' });
    t.bitmapSmall.push(performance.now() - s);
    small.close();
    s = performance.now();
    const d = await decodeFrame(bytes, type, { desiredWidth: 400, desiredHeight: 400 });
    t.decodeDesired.push(performance.now() - s);
    d.close();
  }
  return { ...info, desired, ...Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round(median(v))])) };
}

onmessage = async ({ data }) => {
  try {
    postMessage({ ok: await probe(data) });
  } catch (error) {
    postMessage({ error: String(error) });
  }
};
