/**
 * Every failure Veil reports is a `VeilError` with a string `code`. Codes 4000,
 * 4001, 4011, 4015, 5020 and 5021 are the image-nsfw gateway's own, so a caller
 * handles local and remote failures alike; the others fill gaps in its table and
 * keep its convention: 4xxx is the caller's input or options, 5xxx is Veil's side.
 * 4007, 4029 and 4044 are answered by the gateway server (gateway/) too, so the
 * remote client can name them; 4040, 5024 and 5025 are the gateway server's own.
 */
export const ErrorCodes = {
  /** Gateway 4000: nothing usable was given to detect (wrong kind of input, empty, bad base64). */
  BAD_INPUT: '4000',
  /** Gateway 4001 (unsupported backend): an option has a value Veil does not support. */
  BAD_OPTION: '4001',
  /** The bytes are not an image format Veil can decode (sniffed from the bytes, not the name). */
  UNSUPPORTED_FORMAT: '4002',
  /** The image is truncated or corrupt and could not be decoded. */
  DECODE_FAILED: '4003',
  /** The image is over a size limit (bytes or pixels), or a request body is larger than the gateway server accepts (HTTP 413). */
  TOO_LARGE: '4004',
  /** An image URL could not be fetched (HTTP error, network failure, CORS refusal). */
  FETCH_FAILED: '4005',
  /** The page cannot read this image's pixels: it is cross-origin without CORS. */
  CROSS_ORIGIN: '4006',
  /** Gateway server: an `image_url` was refused (not http(s), or a loopback, private, link-local or other non-public address). */
  URL_REFUSED: '4007',
  /** Gateway 4011: a remote backend's credentials are missing. */
  MISSING_CREDENTIALS: '4011',
  /** Gateway 4015: the gateway's API key is missing or wrong. */
  BAD_API_KEY: '4015',
  /** The page declined to send this image to the remote gateway (its onBeforeRemote hook said no). */
  REMOTE_DECLINED: '4020',
  /** A service refused the call for its rate limit or quota (the gateway server answers HTTP 429 with Retry-After). */
  RATE_LIMITED: '4029',
  /** Gateway server: its hash look-up has no result for that image (HTTP 404): send the image itself. */
  HASH_NOT_SEEN: '4040',
  /** Gateway 4044 (endpoint retired): no such endpoint on this gateway. */
  NOT_FOUND: '4044',
  /** The bytes given to detectVideo() are not a WebM or MP4 container (sniffed from the bytes: a JPEG named .mp4 is refused here). */
  VIDEO_UNSUPPORTED_CONTAINER: '4050',
  /** The clip's video codec cannot be decoded by this browser (WebCodecs VideoDecoder says no, or there is no VideoDecoder). */
  VIDEO_UNSUPPORTED_CODEC: '4051',
  /** The clip has no video track (an audio-only file). */
  VIDEO_NO_TRACK: '4052',
  /** The clip's video track holds no frame to screen (zero length). */
  VIDEO_EMPTY: '4053',
  /** The clip is truncated or corrupt: its container or its frames could not be read. */
  VIDEO_DECODE_FAILED: '4054',
  /** The caller aborted the call through its AbortSignal. */
  ABORTED: '4099',
  /** The detector was disposed before or while the call ran. */
  DISPOSED: '4100',
  /** Something unexpected went wrong inside Veil. */
  INTERNAL: '5000',
  /** The model could not be downloaded or is not a NudeNet detector. */
  MODEL_UNAVAILABLE: '5010',
  /** Gateway 5020 (no backend configured): no execution provider could run the model. */
  NO_BACKEND: '5020',
  /**
   * Gateway 5021: a service could not answer: the remote gateway, from the page; on
   * the gateway server, the backend asked for (none loaded, its model failing on the
   * image, a cloud backend unreachable or refusing) or the Redis it shares limits in.
   */
  REMOTE_UNREACHABLE: '5021',
  /** The remote service answered something Veil cannot read (not JSON, or not its documented shape). */
  REMOTE_BAD_RESPONSE: '5022',
  /** The remote service reported a failure of its own (review failed, quota used up...). */
  REMOTE_FAILED: '5023',
  /** Gateway server: too busy to take the call (connections or requests at once at their cap) or still loading its models; retry after its Retry-After. */
  BUSY: '5024',
  /** Gateway server: the request's `timeout` ran out while its image waited for or went through the gateway's decoder or its own models. */
  TIMED_OUT: '5025',
  /** The model was loaded but inference failed. */
  INFERENCE_FAILED: '5030',
  /** The detector's worker could not start or stopped unexpectedly. */
  WORKER_FAILED: '5031',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * For a 4004: which input limit refused the input, the input's figure and the
 * limit's, so a page can tell a person what to do in its own words.
 */
export interface LimitDetail {
  limit: 'maxBytes' | 'maxPixels' | 'maxDecodePixels';
  /** The input's bytes or pixels. */
  value: number;
  /** The limit's. */
  max: number;
  /** The input's format (`image/png`), where the limit depends on it. */
  mime?: string;
}

/** A failure with a gateway-style `code` and a sentence saying what to do about it. */
export class VeilError extends Error {
  override readonly name = 'VeilError';
  readonly code: ErrorCode;
  /** Set on a 4004 from one of Veil's own input limits. */
  readonly limit?: LimitDetail;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; limit?: LimitDetail }) {
    super(message, options);
    this.code = code;
    if (options?.limit) this.limit = options.limit;
  }

  /** Plain data, safe to post across a worker boundary. */
  toJSON(): { name: 'VeilError'; code: ErrorCode; message: string; limit?: LimitDetail } {
    return { name: this.name, code: this.code, message: this.message, ...(this.limit && { limit: this.limit }) };
  }
}

/**
 * True for a VeilError from any realm: errors rebuilt from a worker message or an
 * iframe fail `instanceof`, so this checks the name and code as well.
 */
export function isVeilError(error: unknown): error is VeilError {
  if (error instanceof VeilError) return true;
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'VeilError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/** Wraps anything thrown into a VeilError, keeping a VeilError as it is. */
export function toVeilError(error: unknown, code: ErrorCode, message: string): VeilError {
  if (isVeilError(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new VeilError(code, detail ? `${message} (${detail})` : message, { cause: error });
}

/** 4100, for a call made to (or pending on) a disposed detector. */
export const disposedError = () => new VeilError(ErrorCodes.DISPOSED, 'This detector was disposed: create a new one with createDetector().');

/** 4099, for a call its caller aborted. */
export const abortedError = () => new VeilError(ErrorCodes.ABORTED, 'The call was aborted by its AbortSignal.');
