import { describe, expect, it } from 'vitest';
import { sniffVideo } from '../../src/video/container.js';
import { reaches, resolveVideoPlan, sampleTimes, spreadNote } from '../../src/video/plan.js';

const plan = (everySeconds: number, maxFrames: number) => ({ everySeconds, maxFrames });

describe('sampleTimes', () => {
  it('samples every step from the first frame, and the last frame', () => {
    expect(sampleTimes(0, 6, plan(1, 60))).toEqual([0, 1, 2, 3, 4, 5, 5.999]);
    expect(sampleTimes(0, 2.5, plan(1, 60))).toEqual([0, 1, 2, 2.499]);
    expect(sampleTimes(0.5, 3.5, plan(2, 60))).toEqual([0.5, 2.5, 3.499]);
  });

  it('spreads maxFrames from the first frame to the last when there would be more', () => {
    const times = sampleTimes(0, 20, plan(1, 5));
    expect(times).toHaveLength(5);
    expect(times[0]).toBe(0);
    expect(times[4]).toBe(19.999);
    expect(times[2]).toBeCloseTo(10, 2);
    expect(sampleTimes(0, 3600, plan(1, 60))).toHaveLength(60);
    expect(sampleTimes(3, 20, plan(1, 1))).toEqual([3]);
  });

  it('samples a clip shorter than a millisecond in its middle, and nothing of an empty one', () => {
    expect(sampleTimes(0, 0.0004, plan(1, 60))).toEqual([0, 0.0002]);
    expect(sampleTimes(2, 2, plan(1, 60))).toEqual([]);
  });

  it('says when maxFrames spread the samples', () => {
    const p = { everySeconds: 1, maxFrames: 5, stopAt: 'block' as const };
    expect(spreadNote(sampleTimes(0, 20, p), p, 20)[0]).toContain('one every 5.00 s instead of every 1 s');
    expect(spreadNote(sampleTimes(0, 4, p), p, 4)).toEqual([]);
  });
});

describe('resolveVideoPlan', () => {
  it('has defaults and refuses bad values with 4001', () => {
    expect(resolveVideoPlan()).toEqual({ everySeconds: 1, maxFrames: 60, stopAt: 'block' });
    expect(resolveVideoPlan({ stopAt: null, everySeconds: 0.5, maxFrames: 3 })).toEqual({ everySeconds: 0.5, maxFrames: 3, stopAt: null });
    for (const bad of [{ everySeconds: 0 }, { everySeconds: Infinity }, { maxFrames: 1.5 }, { maxFrames: 0 }, { stopAt: 'pass' }, { onFrame: 'x' }]) {
      expect(() => resolveVideoPlan(bad as never)).toThrow(expect.objectContaining({ code: '4001' }));
    }
  });

  it('stops at block, at review too when asked, never with null', () => {
    expect([reaches('block', 'block'), reaches('review', 'block'), reaches('review', 'review'), reaches('pass', 'review'), reaches('block', null)]).toEqual([true, false, true, false, false]);
  });
});

describe('sniffVideo', () => {
  const bytes = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
  it('tells containers by their first bytes', () => {
    expect(sniffVideo(bytes([0, 0, 0, 0x20], 'ftypisom'))).toBe('video/mp4');
    expect(sniffVideo(bytes([0, 0, 0, 0x14], 'ftypqt  '))).toBe('video/quicktime');
    expect(sniffVideo(bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84], 'webm'))).toBe('video/webm');
    expect(sniffVideo(bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88], 'matroska'))).toBe('video/x-matroska');
  });
  it('is not fooled by images in the same boxes, or by anything else', () => {
    expect(sniffVideo(bytes([0, 0, 0, 0x1c], 'ftypavif'))).toBeNull();
    expect(sniffVideo(bytes([0, 0, 0, 0x1c], 'ftypheic'))).toBeNull();
    expect(sniffVideo(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBeNull();
    expect(sniffVideo(bytes('RIFF', [0, 0, 0, 0], 'WEBP'))).toBeNull();
  });
});
