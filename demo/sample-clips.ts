/**
 * Sample clips for the video tab, made in the page: a drawn scene (samples.ts)
 * with a kite crossing it, encoded to WebM VP8 with WebCodecs through
 * mediabunny. On the test model, the blocking clip shows its patch from 0:03 to
 * 0:05 and nowhere else, so its verdict and the second it is decided at are known.
 */
import { BufferTarget, CanvasSource, Output, QUALITY_HIGH, WebMOutputFormat } from 'mediabunny';
import { drawSample, type SampleKind } from './samples.js';

export interface SampleClip {
  name: string;
  label: string;
  kind: SampleKind;
  /** Seconds during which the scene shows its patch. */
  patch: [from: number, to: number];
  scene: number;
}

export const SAMPLE_CLIPS: SampleClip[] = [
  { name: 'harbour-clean.webm', label: 'Clean clip', kind: 'pass', patch: [0, 0], scene: 0 },
  { name: 'dunes-blocks-at-3s.webm', label: 'Blocks at 0:03', kind: 'block', patch: [3, 5], scene: 3 },
];

const SECONDS = 6;
const FPS = 10;

export async function makeSampleClip(clip: SampleClip, width = 480, height = 270): Promise<File> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  const output = new Output({ format: new WebMOutputFormat(), target: new BufferTarget() });
  const source = new CanvasSource(canvas, { codec: 'vp8', bitrate: QUALITY_HIGH });
  output.addVideoTrack(source, { frameRate: FPS });
  await output.start();
  for (let i = 0; i < SECONDS * FPS; i++) {
    const t = i / FPS;
    drawSample(ctx, clip.scene, clip.kind, width, height, t >= clip.patch[0] && t < clip.patch[1]);
    // A kite crossing the sky, so it plays as a video.
    const x = (t / SECONDS) * (width + 60) - 30;
    const y = height * (0.18 + 0.05 * Math.sin(t * 2));
    ctx.fillStyle = 'rgb(70,80,110)';
    ctx.beginPath();
    ctx.moveTo(x, y - 14);
    ctx.lineTo(x + 10, y);
    ctx.lineTo(x, y + 14);
    ctx.lineTo(x - 10, y);
    ctx.fill();
    await source.add(t, 1 / FPS);
  }
  await output.finalize();
  return new File([output.target.buffer!], clip.name, { type: 'video/webm' });
}
