/**
 * The moderation result: the response schema of the image-nsfw gateway API,
 * field for field, so that an answer computed in the browser and one
 * from a remote gateway have the same shape. Veil adds `runtime` and `timings`;
 * it never renames or drops a gateway field.
 */
import type { NudeNetClass } from './nudenet/classes.js';
import type { NudeNetDetection } from './nudenet/detections.js';

export type { NudeNetClass, NudeNetDetection };

export type Decision = 'block' | 'review' | 'pass';

/** A whole-image classifier's own answer, in `raw.classifier`. */
export interface ClassifierRaw {
  /** Its name, e.g. `nsfwjs-mobilenet-v2`. */
  model: string;
  /** Its probability for each of its classes. */
  probabilities: Record<string, number>;
}
export type Label = 'porn' | 'sexy' | 'normal';

/** [x, y, width, height] in source-image pixels. */
export type Box = [number, number, number, number];

/** A part-level detection, as the gateway lists them (`cls`, score rounded to 4 places). */
export interface Detection {
  cls: NudeNetClass;
  score: number;
  box: Box;
}

/** How the image reached Veil. */
export type InputType =
  | 'file'
  | 'blob'
  | 'bytes'
  | 'url'
  | 'base64'
  | 'image'
  | 'canvas'
  | 'bitmap'
  | 'imagedata'
  | 'video';

export interface InputInfo {
  type: InputType;
  /** The URL, file name, or a short description of the element or data. */
  source: string;
  /** Bytes of the encoded file; for pixel inputs (canvas, video, ImageData...) the RGBA bytes hashed. */
  size_bytes: number;
  /** Lower-case hex SHA-256 of those same bytes. */
  sha256: string;
  /** Sniffed from the bytes' signature, never taken from a name or header; null for pixel inputs. */
  mime: string | null;
  /** Dimensions after EXIF orientation. */
  width: number;
  height: number;
}

export interface Categories {
  porn: number;
  sexy: number;
  normal: number;
}

/** Where and how a result was computed (a Veil addition to the gateway schema). */
export type RuntimeInfo = LocalRuntime | RemoteRuntime;

/** In-browser inference. */
export interface LocalRuntime {
  location: 'local';
  provider: 'webgpu' | 'wasm';
  /** WASM threads (1 without cross-origin isolation); 0 on WebGPU. */
  threads: number;
  /** The model's URL, or `buffer` when it was passed as bytes. */
  model: string;
  /** The model's square input side, read from the model. */
  input_size: number;
}

/** A remote service answered. */
export interface RemoteRuntime {
  location: 'remote';
  /** The dialect spoken, e.g. `gateway`. */
  dialect: string;
  /** The service's URL, without its query. */
  endpoint: string;
  /** Why the image went remote (the detector's mode, or what made `auto` choose it). */
  reason: string;
}

/** Milliseconds spent in each stage of this call (a Veil addition). */
export interface Timings {
  /** Waiting behind earlier calls in the worker's queue. */
  queue_ms: number;
  /** Reading, hashing and decoding the input. */
  decode_ms: number;
  preprocess_ms: number;
  inference_ms: number;
  postprocess_ms: number;
  /**
   * How the (first) frame's pixels were read, for diagnosing speed: `planes-I420`,
   * `planes-I422`, `planes-I444` (a JPEG's or lossy WebP's own planes, with
   * `-oriented` for an EXIF-oriented JPEG), `frame-rgb` (ImageDecoder's RGB
   * frame), `bitmap` or `bitmap-rows` (createImageBitmap, whole or the rows the
   * resize reads), `scaled-` before a planes or frame path (a JPEG decoded smaller: over `limits.maxDecodePixels`, or with `decode: 'fast'`), `frame-canvas`
   * (animation frames), `pixels` (pixels handed in).
   */
  decoder?: string;
}

/** How an animated image was scanned (a Veil addition). */
export interface AnimationInfo {
  /** Frames in the animation. */
  frames: number;
  /** Frames scanned: up to limits.maxFrames, fewer when one blocked. */
  scanned: number;
  /** The frame whose detections and verdict the result reports: the first that blocked, else the most severe. */
  decided_by: number;
}

/** One sampled frame of a clip as detectVideo() judged it (a Veil addition). */
export interface VideoFrameVerdict {
  /** The frame's presentation time in the clip, in seconds (3 places). */
  time_s: number;
  decision: Decision;
  /** The frame's `score`: confidence of its label. */
  score: number;
  /** How many detections the frame had. */
  detections: number;
}

/** What `onFrame` is told after each frame: its verdict and its place among the frames scanned (0, 1, 2...). */
export interface VideoFrameResult extends VideoFrameVerdict {
  index: number;
}

/** How a clip was screened (a Veil addition, on detectVideo()'s results). */
export interface VideoInfo {
  /** The video track's length, in seconds. */
  duration_s: number;
  /** Display size of its frames. */
  width: number;
  height: number;
  /** The container, sniffed from the bytes: `video/mp4`, `video/webm`, `video/quicktime` or `video/x-matroska`. */
  mime: string;
  /** The video codec, as WebCodecs names it (`vp8`, `vp09.00.10.08`, `avc1.64000d`, `av01...`). */
  codec: string;
  /** Frames screened: fewer than planned when one reached `stopAt`. */
  frames_scanned: number;
  /** Time of the frame whose detections and verdict the result reports: the first that reached `stopAt`, else the most severe. */
  decided_at_s: number;
  /** Every frame screened, in order. */
  frames: VideoFrameVerdict[];
}

export interface ModerationResult {
  code: 200;
  desc: 'success';
  /** What produced the answer: `nudenet`, a classifier's name, or both (`nudenet+nsfwjs-mobilenet-v2`); a gateway names its own backend. */
  backend: string;
  /** Total time of the call, from `detect()` to the result. */
  elapsed_ms: number;
  input: InputInfo;
  decision: Decision;
  label: Label;
  /** Confidence of `label`: `categories[label]`. */
  score: number;
  categories: Categories;
  detections: Detection[];
  /**
   * Each backend's own answer: `raw.nudenet` is exactly NudeNet's `detect()` output;
   * `raw.classifier` a whole-image classifier's probabilities by class, when one ran.
   */
  raw: { nudenet?: NudeNetDetection[]; classifier?: ClassifierRaw; [backend: string]: unknown };
  /** Plain sentences about anything worth knowing: skipped providers, noted mismatches. */
  notes: string[];
  /** The gateway's hint text; empty for local results. */
  tips: string;
  runtime?: RuntimeInfo;
  timings?: Timings;
  /** Present for animated GIF and WebP. */
  animation?: AnimationInfo;
  /** Present on detectVideo()'s results. */
  video?: VideoInfo;
}

/** detectVideo()'s result: the deciding frame's verdict, with `input` describing the clip's file. */
export type VideoResult = ModerationResult & { video: VideoInfo };
