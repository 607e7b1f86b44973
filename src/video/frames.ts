/**
 * A clip's video track opened with mediabunny (demuxing MP4/QuickTime and
 * WebM/Matroska) and its sampled frames decoded with WebCodecs' VideoDecoder.
 * Loaded with `import()` only when a clip is screened, so detectors that only
 * see images never download it; it runs in the worker (local screening) and on
 * the page (remote screening, where frames go to the service as JPEG).
 */
import { BufferSource, Input, MATROSKA, MP4, QTFF, VideoSampleSink, WEBM, type InputVideoTrack, type VideoSample } from 'mediabunny';
import { ErrorCodes, isVeilError, VeilError } from '../errors.js';
import { checkPixels } from '../image/input-info.js';
import type { InputLimits } from '../options.js';
import type { VideoMime } from './container.js';

export interface OpenedClip {
  /** The first frame's start and the last frame's end, in seconds. */
  first_s: number;
  end_s: number;
  width: number;
  height: number;
  /** As WebCodecs names it, e.g. `vp8`, `avc1.64000d`. */
  codec: string;
  /** The decoded frames nearest each time (the last one starting at or before it), each once, in order; the caller closes each. */
  samples(times: number[]): AsyncGenerator<VideoSample>;
  close(): void;
}

type Limits = Required<Pick<InputLimits, 'maxVideoSeconds' | 'maxPixels' | 'maxDecodePixels'>>;

/** How long the demuxer may read without giving what was asked (the tracks, the next frame). */
export const STALL_MS = 10_000;

/**
 * The clip's bytes, with a deadline on reading them: a demuxer that loops over a
 * corrupt file (mediabunny 1.61 does, on junk inside a WebM segment) reads on and
 * on without end, so a read past the deadline throws instead of letting the loop
 * hold the worker forever. The deadline is set while a step is awaited, lifted
 * between steps (while frames are screened).
 */
class GuardedSource extends BufferSource {
  deadline = Number.POSITIVE_INFINITY;
  stalled = false;

  arm(): void {
    this.deadline = performance.now() + STALL_MS;
  }

  disarm(): void {
    this.deadline = Number.POSITIVE_INFINITY;
  }

  /** mediabunny's internal read of a byte range: every slice it looks at goes through here. */
  _read(...args: unknown[]): unknown {
    if (performance.now() > this.deadline) {
      this.stalled = true;
      throw new Error(`reading went on for ${STALL_MS} ms without an answer`);
    }
    return (BufferSource.prototype as unknown as { _read(...a: unknown[]): unknown })._read.apply(this, args);
  }
}

/** Awaits one step of the demuxer under the source's deadline. */
async function guarded<T>(source: GuardedSource, step: () => Promise<T>): Promise<T> {
  source.arm();
  try {
    return await step();
  } finally {
    source.disarm();
  }
}

const corrupt = (mime: string, error: unknown) =>
  new VeilError(ErrorCodes.VIDEO_DECODE_FAILED, `This ${mime} clip could not be read: the file is truncated or corrupt.`, { cause: error });

/** What a clip can be re-encoded as, each with a codec string of its common profile. */
const REENCODE_AS: [string, string][] = [
  ['VP8 in WebM', 'vp8'],
  ['VP9 in WebM', 'vp09.00.10.08'],
  ['AV1 in WebM', 'av01.0.04M.08'],
  ['H.264 in MP4', 'avc1.42E01E'],
];

/**
 * Which of those this browser's VideoDecoder takes. Not every browser with
 * WebCodecs decodes them all: WebKitGTK decodes what its GStreamer plugins do
 * (VP8 alone on a plain Debian desktop), so the advice names what works here.
 */
async function decodableHere(): Promise<string[]> {
  const answers = await Promise.all(
    REENCODE_AS.map(([label, codec]) =>
      VideoDecoder.isConfigSupported({ codec, codedWidth: 640, codedHeight: 360 }).then(
        (support) => (support.supported ? label : null),
        () => null,
      ),
    ),
  );
  return answers.filter((label): label is string => label !== null);
}

/** 4051 unless this browser's VideoDecoder takes the track's configuration. */
async function checkDecodable(track: InputVideoTrack, mime: string): Promise<string> {
  const config = await track.getDecoderConfig();
  const name = (await track.getCodec()) ?? 'unknown';
  if (!config) throw new VeilError(ErrorCodes.VIDEO_UNSUPPORTED_CODEC, `This ${mime} clip's video codec (${name}) is not one Veil can decode: use VP8, VP9 or AV1 in WebM, or H.264 in MP4.`);
  if (typeof VideoDecoder !== 'function') {
    throw new VeilError(ErrorCodes.VIDEO_UNSUPPORTED_CODEC, `This browser has no WebCodecs VideoDecoder, so it cannot decode the clip's ${config.codec} video: screen clips in a browser with WebCodecs (Chrome, Edge, Firefox 130+, Safari 16.4+).`);
  }
  const support = await VideoDecoder.isConfigSupported(config).catch(() => ({ supported: false }));
  if (!support.supported) {
    const here = await decodableHere();
    const advice = here.length
      ? `Re-encode it as ${here.length > 1 ? `${here.slice(0, -1).join(', ')} or ${here.at(-1)}` : here[0]}, which this browser decodes.`
      : 'This browser decodes none of VP8, VP9, AV1 or H.264: screen clips in another browser.';
    throw new VeilError(
      ErrorCodes.VIDEO_UNSUPPORTED_CODEC,
      `This browser cannot decode the clip's ${config.codec} video (${name}): VideoDecoder.isConfigSupported says no. ${advice}`,
    );
  }
  return config.codec;
}

/** Opens a clip already checked to be `mime`; throws 4004, 4051, 4052, 4053 or 4054. */
export async function openClip(bytes: Uint8Array, mime: VideoMime, limits: Limits): Promise<OpenedClip> {
  const source = new GuardedSource(bytes);
  const input = new Input({ formats: [MP4, QTFF, WEBM, MATROSKA], source });
  try {
    let track: InputVideoTrack | null;
    let tracks: { type: string }[];
    try {
      [track, tracks] = await guarded(source, () => Promise.all([input.getPrimaryVideoTrack(), input.getTracks()]));
    } catch (error) {
      throw corrupt(mime, error);
    }
    // No track list at all is a file cut short or damaged (an MP4 writes its index last); a list without video is audio only.
    if (tracks.length === 0) throw corrupt(mime, new Error('no track list'));
    if (!track) {
      throw new VeilError(
        ErrorCodes.VIDEO_NO_TRACK,
        tracks.some((t) => t.type === 'audio') ? `This ${mime} file holds only audio: it has no video track to screen.` : `This ${mime} file has no video track to screen.`,
      );
    }
    const video = track;
    const codec = await guarded(source, () => checkDecodable(video, mime)).catch((error: unknown) => {
      throw isVeilError(error) ? error : corrupt(mime, error); // a codec refused says so; a damaged header is a damaged file
    });
    let first_s: number;
    let end_s: number;
    let width: number;
    let height: number;
    try {
      [first_s, end_s, width, height] = await guarded(source, () =>
        Promise.all([video.getFirstTimestamp(), video.computeDuration(), video.getDisplayWidth(), video.getDisplayHeight()]),
      );
    } catch (error) {
      throw corrupt(mime, error);
    }
    first_s = Math.max(0, first_s);
    if (!(end_s > first_s)) throw new VeilError(ErrorCodes.VIDEO_EMPTY, `This ${mime} clip is empty: its video track has no frame to screen.`);
    if (end_s - first_s > limits.maxVideoSeconds) {
      throw new VeilError(ErrorCodes.TOO_LARGE, `The clip is ${Math.round(end_s - first_s)} s long, over the ${limits.maxVideoSeconds} s limit (limits.maxVideoSeconds).`);
    }
    checkPixels(width, height, limits);
    // A video frame is always decoded whole (no decoder scales one), so the memory ceiling bounds the track's size
    // here, before the decoder allocates a frame; checkFrame checks each decoded frame again.
    if (width * height > limits.maxDecodePixels) {
      throw new VeilError(
        ErrorCodes.TOO_LARGE,
        `The clip's frames are ${width} x ${height} (${(width * height / 1e6).toFixed(1)} megapixels), over the ${(limits.maxDecodePixels / 1e6).toFixed(1)} megapixels decoded at once (limits.maxDecodePixels): send a smaller video.`,
        { limit: { limit: 'maxDecodePixels', value: width * height, max: limits.maxDecodePixels } },
      );
    }
    const sink = new VideoSampleSink(track);
    return {
      first_s,
      end_s,
      width,
      height,
      codec,
      async *samples(times) {
        let previous = Number.NaN;
        const samples = sink.samplesAtTimestamps(times);
        try {
          for (;;) {
            let next: IteratorResult<VideoSample | null>;
            try {
              next = await guarded(source, () => samples.next());
            } catch (error) {
              throw corrupt(mime, error);
            }
            if (next.done) return;
            const sample = next.value;
            if (!sample) continue;
            // Two times inside one frame give that frame once.
            if (sample.timestamp === previous) {
              sample.close();
              continue;
            }
            previous = sample.timestamp;
            yield sample;
          }
        } finally {
          await samples.return(undefined); // stopped early: its decoder closes
        }
      },
      close: () => input.dispose(),
    };
  } catch (error) {
    input.dispose();
    throw error;
  }
}
