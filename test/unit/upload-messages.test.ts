/**
 * What screenUploads says about a file, images and clips alike: a clip held back
 * says at which second it blocked, in the validation message and the live region.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MESSAGES, clock, refusalOf, type ScreenedFile } from '../../src/dom/upload-files.js';
import { ErrorCodes, VeilError, type LimitDetail } from '../../src/errors.js';
import type { ModerationResult } from '../../src/result.js';

const file = (name: string, type: string) => new File([new Uint8Array(4)], name, { type });
const entry = (f: File, decision: 'pass' | 'review' | 'block', decided_at_s?: number): ScreenedFile => ({
  file: f,
  input: null,
  state: decision,
  result: { decision, ...(decided_at_s !== undefined && { video: { decided_at_s } }) } as unknown as ModerationResult,
});

describe('upload messages', () => {
  it('tells the time as a player does', () => {
    expect([0, 2, 2.9, 65, 3723].map(clock)).toEqual(['0:00', '0:02', '0:02', '1:05', '1:02:03']);
  });

  it('says where a blocked clip blocked, and asks for another video', () => {
    const clip = file('party.webm', 'video/webm');
    expect(DEFAULT_MESSAGES.blocked([clip], [entry(clip, 'block', 2)])).toBe(
      '“party.webm” (at 0:02) cannot be uploaded: it appears to contain nudity. Remove it or choose another video.',
    );
    expect(DEFAULT_MESSAGES.announce(entry(clip, 'block', 2))).toBe('party.webm: blocked, at 0:02 it appears to contain nudity.');
    expect(DEFAULT_MESSAGES.announce(entry(clip, 'review', 75))).toBe('party.webm: flagged for review at 1:15.');
  });

  it('keeps the image wording for images, and names each clip’s second in a mixed list', () => {
    const photo = file('beach.png', 'image/png');
    const clip = file('pool.mp4', 'video/mp4');
    expect(DEFAULT_MESSAGES.blocked([photo], [entry(photo, 'block')])).toBe(
      '“beach.png” cannot be uploaded: it appears to contain nudity. Remove it or choose another image.',
    );
    expect(DEFAULT_MESSAGES.blocked([photo, clip], [entry(photo, 'block'), entry(clip, 'block', 12.5)])).toBe(
      '“beach.png”, “pool.mp4” (at 0:12) cannot be uploaded: they appear to contain nudity. Remove them or choose another file.',
    );
    expect(DEFAULT_MESSAGES.announce(entry(photo, 'block'))).toBe('beach.png: blocked, it appears to contain nudity.');
  });

  it('refuses a clip it cannot read for its format, with a video’s wording', () => {
    for (const code of [ErrorCodes.VIDEO_UNSUPPORTED_CONTAINER, ErrorCodes.VIDEO_UNSUPPORTED_CODEC, ErrorCodes.VIDEO_NO_TRACK]) {
      expect(refusalOf(new VeilError(code, 'x'))).toBe('format');
    }
    expect(refusalOf(new VeilError(ErrorCodes.VIDEO_DECODE_FAILED, 'x'))).toBeNull();
    expect(DEFAULT_MESSAGES.refused(file('a.webm', 'video/webm'), 'format')).toBe(
      '“a.webm” cannot be uploaded: this kind of video cannot be checked here. Choose a WebM or MP4 video.',
    );
    expect(DEFAULT_MESSAGES.refused(file('a.webm', 'video/webm'), 'size')).toContain('Choose a smaller video.');
  });
});

describe('a photo still too large', () => {
  const photo = file('IMG_2041.jpg', 'image/jpeg');
  const refused = (limit: LimitDetail) => DEFAULT_MESSAGES.refused(photo, 'size', new VeilError(ErrorCodes.TOO_LARGE, 'x', { limit }));

  it('says how large it is, the most that is checked, and what to change on the camera', () => {
    expect(refused({ limit: 'maxBytes', value: 71 * 2 ** 20 + 5, max: 64 * 2 ** 20 })).toBe(
      "“IMG_2041.jpg” cannot be uploaded: it is 71.1 MB, and files up to 64 MB can be checked here. To send it, take the photo at your camera's standard resolution (12 to 50 megapixels), or share a smaller copy of it.",
    );
    expect(refused({ limit: 'maxPixels', value: 250e6, max: 200e6 })).toBe(
      "“IMG_2041.jpg” cannot be uploaded: it is 250 megapixels, and photos up to 200 megapixels can be checked here. To send it, take the photo at your camera's standard resolution (12 to 50 megapixels), or share a smaller copy of it.",
    );
  });

  it('asks for a JPEG where only its format makes it too large to decode here', () => {
    expect(DEFAULT_MESSAGES.refused(file('scan.png', 'image/png'), 'size', new VeilError(ErrorCodes.TOO_LARGE, 'x', { limit: { limit: 'maxDecodePixels', value: 48e6, max: 40e6, mime: 'image/png' } }))).toBe(
      '“scan.png” cannot be uploaded: a PNG of 48 megapixels is too large to check on this device (up to 40 megapixels; larger photos only as JPEG). Save it as a JPEG, or as a smaller copy.',
    );
  });

  it('never tells a person to send a smaller image of a photo their camera took, but keeps a general sentence when the limit is not known', () => {
    for (const limit of ['maxBytes', 'maxPixels'] as const) expect(refused({ limit, value: 2, max: 1 })).not.toMatch(/smaller image/);
    // Just over the limit never reads as equal to it.
    expect(refused({ limit: 'maxBytes', value: 2 ** 20 + 1, max: 2 ** 20 })).toContain('it is 1.1 MB, and files up to 1 MB');
    expect(DEFAULT_MESSAGES.refused(photo, 'size', new VeilError(ErrorCodes.TOO_LARGE, 'over the gateway limit'))).toBe('“IMG_2041.jpg” cannot be uploaded: it is too large to be checked. Choose a smaller image.');
  });
});
