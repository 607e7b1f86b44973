/**
 * `decode`: exact unless a caller asks for fast, and nothing else accepted, so a
 * typo cannot silently change what the pixels are.
 */
import { describe, expect, it } from 'vitest';
import { resolveDetectorOptions } from '../../src/resolve-options.js';

const base = 'http://localhost/';
const resolve = (decode?: unknown) => resolveDetectorOptions({ model: 'm.onnx', ...(decode !== undefined && { decode: decode as 'fast' }) }, base).local!;

describe('the decode option', () => {
  it('is exact by default, and fast when asked', () => {
    expect(resolve().decode).toBe('exact');
    expect(resolve('exact').decode).toBe('exact');
    expect(resolve('fast').decode).toBe('fast');
  });

  it('refuses anything else with 4001 and a sentence', () => {
    expect(() => resolve('quick')).toThrow(expect.objectContaining({ code: '4001', message: expect.stringContaining('"exact" or "fast"') }));
  });
});
