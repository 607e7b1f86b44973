/**
 * Photo-like scenes drawn on a canvas, for the demo's samples and feed. Each may
 * carry a flat patch in one of the test model's colours (a beach towel, a sign),
 * so that the project's test model gives a known verdict: pass, review or block.
 * Every other colour is muted, far from all the test model's colours.
 */

export type SampleKind = 'pass' | 'review' | 'block';

/** Colours the test model reads as body parts (see test/models/fixture-spec.mjs). */
const PATCHES: Record<SampleKind, string[]> = {
  pass: ['', 'rgb(0,255,0)', 'rgb(255,0,255)'], // nothing; FACE_FEMALE; FEMALE_BREAST_COVERED (sexy 0.53)
  review: ['rgb(255,255,0)'], // BUTTOCKS_EXPOSED: porn 0.56
  block: ['rgb(255,0,0)', 'rgb(0,0,255)', 'rgb(255,128,0)'], // exposed breast, genitalia: porn 0.85 and up
};

/** The scenes' titles, by index: the feed's captions and the drawn samples' names. */
export const PLACES = [
  'Harbour at dawn', 'Old town square', 'Lakeside path', 'Dunes at noon', 'Ridge trail', 'Pier in the evening',
  'Market street', 'Quiet bay', 'Hill village', 'River bend', 'Coastal road', 'Pine forest',
];

/** A small fixed-sequence generator: scene `n` is drawn the same on every load, so the feed looks the same. */
function random(n: number): () => number {
  let s = n * 9301 + 49297;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

const hsl = (h: number, s: number, l: number) => `hsl(${h} ${s}% ${l}%)`;

function drawScene(ctx: OffscreenCanvasRenderingContext2D, w: number, h: number, rnd: () => number): void {
  const hue = 190 + rnd() * 50 - (rnd() < 0.3 ? 170 : 0); // blue skies, some warm evenings
  const sky = ctx.createLinearGradient(0, 0, 0, h * 0.6);
  sky.addColorStop(0, hsl(hue, 35, 62));
  sky.addColorStop(1, hsl(hue + 20, 25, 80));
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, w, h);

  const sun = ctx.createRadialGradient(w * (0.2 + rnd() * 0.6), h * 0.22, 4, w * 0.5, h * 0.22, w * 0.45);
  sun.addColorStop(0, 'rgba(255,250,230,0.9)');
  sun.addColorStop(1, 'rgba(255,250,230,0)');
  ctx.fillStyle = sun;
  ctx.fillRect(0, 0, w, h);

  for (let layer = 0; layer < 3; layer++) {
    const base = h * (0.42 + layer * 0.1);
    ctx.fillStyle = hsl(200 + layer * 25, 18, 52 - layer * 9);
    ctx.beginPath();
    ctx.moveTo(0, h);
    for (let x = 0; x <= w; x += w / 8) ctx.lineTo(x, base - rnd() * h * 0.12);
    ctx.lineTo(w, h);
    ctx.fill();
  }
  const ground = ctx.createLinearGradient(0, h * 0.7, 0, h);
  ground.addColorStop(0, hsl(rnd() < 0.5 ? 40 : 150, 22, 55));
  ground.addColorStop(1, hsl(35, 20, 38));
  ctx.fillStyle = ground;
  ctx.fillRect(0, h * 0.72, w, h * 0.28);

  // People and trees as soft silhouettes.
  for (let i = 0; i < 4; i++) {
    const x = rnd() * w;
    const y = h * (0.7 + rnd() * 0.15);
    const s = h * (0.08 + rnd() * 0.1);
    ctx.fillStyle = hsl(20 + rnd() * 20, 25, 32 + rnd() * 15);
    ctx.beginPath();
    ctx.ellipse(x, y - s * 1.6, s * 0.28, s * 0.3, 0, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillRect(x - s * 0.3, y - s * 1.3, s * 0.6, s * 1.3);
  }
}

export interface Sample {
  blob: Blob;
  kind: SampleKind;
  title: string;
  width: number;
  height: number;
}

/**
 * Draws sample `index` of the given kind: the same scene on every call, with
 * its patch (if its kind has one) unless `patch` is false.
 */
export function drawSample(ctx: OffscreenCanvasRenderingContext2D, index: number, kind: SampleKind, width: number, height: number, patch = true): void {
  const rnd = random(index + 1);
  drawScene(ctx, width, height, rnd);
  const colours = PATCHES[kind];
  const colour = colours[index % colours.length]!;
  if (colour) {
    const pw = Math.round(width * (0.18 + rnd() * 0.1));
    const ph = Math.round(height * (0.16 + rnd() * 0.1));
    const x = Math.round(width * 0.1 + rnd() * (width * 0.8 - pw));
    const y = Math.round(height * 0.45 + rnd() * (height * 0.45 - ph));
    if (!patch) return;
    ctx.fillStyle = 'rgb(245,245,240)'; // a frame around the patch, like a towel's hem
    ctx.fillRect(x - 3, y - 3, pw + 6, ph + 6);
    ctx.fillStyle = colour;
    ctx.fillRect(x, y, pw, ph);
  }
}

/** Draws sample `index` of the given kind as a JPEG (photo-sized, quick to decode). */
export async function makeSample(index: number, kind: SampleKind, width = 480, height = 360): Promise<Sample> {
  const canvas = new OffscreenCanvas(width, height);
  drawSample(canvas.getContext('2d')!, index, kind, width, height);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
  return { blob, kind, title: PLACES[index % PLACES.length]!, width, height };
}

/** Verdicts for a feed: mostly pass, some review, some block, in a fixed mixed order. */
export const feedKind = (i: number): SampleKind => (['pass', 'pass', 'review', 'pass', 'block', 'pass', 'pass', 'block', 'review', 'pass'] as const)[i % 10]!;
