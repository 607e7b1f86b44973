/**
 * Frames of an animated GIF or WebP, decoded in the worker with WebCodecs'
 * ImageDecoder and sampled up to a budget, spread over the whole animation (first
 * and last included), so a short explicit stretch anywhere is likely to be seen.
 */

/** Frame indices to scan: all of them when they fit the budget, else evenly spread. */
export function sampleFrames(total: number, budget: number): number[] {
  if (total <= budget) return Array.from({ length: total }, (_, i) => i);
  if (budget === 1) return [0];
  const picked = new Set<number>();
  for (let i = 0; i < budget; i++) picked.add(Math.round((i * (total - 1)) / (budget - 1)));
  return [...picked];
}

interface DecoderLike {
  tracks: { ready: Promise<void>; selectedTrack: { animated: boolean; frameCount: number } | null };
  completed: Promise<void>;
  decode(options: { frameIndex: number }): Promise<{ image: VideoFrame }>;
  close(): void;
}

type DecoderConstructor = new (init: { data: Uint8Array; type: string }) => DecoderLike;

export interface Animation {
  /** Frames in the animation. */
  total: number;
  frame(index: number): Promise<VideoFrame>;
  close(): void;
}

/** The animation in these bytes, or null for a still image (or where ImageDecoder is missing). */
export async function openAnimation(bytes: Uint8Array, mime: string): Promise<Animation | null> {
  if (mime !== 'image/gif' && mime !== 'image/webp') return null;
  const Decoder = (globalThis as { ImageDecoder?: DecoderConstructor }).ImageDecoder;
  if (!Decoder) return null;
  let decoder: DecoderLike;
  try {
    decoder = new Decoder({ data: bytes, type: mime });
    await decoder.tracks.ready;
    await decoder.completed; // the frame count of a GIF is known only once it is all parsed
  } catch {
    return null; // let the ordinary decoder report what is wrong with the file
  }
  const track = decoder.tracks.selectedTrack;
  if (!track?.animated || track.frameCount < 2) {
    decoder.close();
    return null;
  }
  return {
    total: track.frameCount,
    frame: async (index) => (await decoder.decode({ frameIndex: index })).image,
    close: () => decoder.close(),
  };
}
