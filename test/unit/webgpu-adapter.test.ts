/**
 * The adapter request is bounded: a GPU process that never answers must not keep
 * a detector from starting (it falls back to WASM), while a slow first answer
 * and the retry after an empty first answer still count.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { NO_ANSWER, requestAdapter } from '../../src/webgpu-adapter.js';

function withGpu(requestAdapterImpl: () => Promise<unknown>): void {
  vi.stubGlobal('navigator', { gpu: { requestAdapter: vi.fn(requestAdapterImpl) } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('requestAdapter', () => {
  test('no navigator.gpu: undefined, at once', async () => {
    vi.stubGlobal('navigator', {});
    expect(await requestAdapter()).toBeUndefined();
  });

  test('a request that never settles gives NO_ANSWER after the wait, not a hang', async () => {
    vi.useFakeTimers();
    withGpu(() => new Promise(() => {}));
    const answer = requestAdapter(5_000);
    await vi.advanceTimersByTimeAsync(4_999);
    let settled = false;
    void answer.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await answer).toBe(NO_ANSWER);
  });

  test('an empty first answer is asked again once; the second answer counts', async () => {
    const adapter = { info: { vendor: 'test' } };
    let calls = 0;
    withGpu(async () => (++calls === 1 ? null : adapter));
    expect(await requestAdapter()).toBe(adapter);
    expect(calls).toBe(2);
  });

  test('no adapter twice: null (the browser found none)', async () => {
    withGpu(async () => null);
    expect(await requestAdapter()).toBeNull();
  });

  test('an answer that comes late but within the wait is kept', async () => {
    vi.useFakeTimers();
    const adapter = { info: {} };
    withGpu(() => new Promise((resolve) => setTimeout(() => resolve(adapter), 3_000)));
    const answer = requestAdapter(5_000);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await answer).toBe(adapter);
  });
});
