import { describe, expect, it } from 'vitest';
import { createWarmUp, MAX_RUNS } from '../../src/worker/warm-up.js';
import type { WorkerInput } from '../../src/worker/protocol.js';

const image = async () => new Uint8Array([0xff, 0xd8, 0xff]);

/** Hooks whose runs take the given times, and become busy once `busyAfter` runs have started. */
function hooks(times: number[], busyAfter = Infinity) {
  const inputs: WorkerInput[] = [];
  return {
    inputs,
    busy: () => inputs.length >= busyAfter,
    run: async (input: WorkerInput) => {
      inputs.push(input);
      return times[inputs.length - 1] ?? times.at(-1)!;
    },
  };
}

describe('warm-up', () => {
  it('runs until two runs in a row take about the same time, then is warm for good', async () => {
    const h = hooks([476, 268, 167, 72, 80, 75]);
    const warmUp = createWarmUp(h, image);
    expect(await warmUp()).toEqual([476, 268, 167, 72, 80]);
    expect(h.inputs[0]).toMatchObject({ kind: 'bytes', source: 'warm-up' });
    expect(await warmUp()).toEqual([]);
    expect(h.inputs).toHaveLength(5);
  });

  it('stops as soon as a call from the page is waiting, and goes on when asked again once it is not', async () => {
    let busy = false;
    const inputs: WorkerInput[] = [];
    const times = [476, 268, 167, 72, 80];
    const warmUp = createWarmUp(
      {
        busy: () => busy,
        run: async (input) => {
          inputs.push(input);
          if (inputs.length === 2) busy = true; // an image arrives during the second run
          return times[inputs.length - 1]!;
        },
      },
      image,
    );
    expect(await warmUp()).toEqual([476, 268]);
    expect(await warmUp()).toEqual([]); // still busy: no run at all
    busy = false;
    expect(await warmUp()).toEqual([167, 72, 80]);
  });

  it('gives up after MAX_RUNS when the times never settle', async () => {
    const h = hooks(Array.from({ length: 20 }, (_, i) => (i % 2 ? 100 : 300)));
    const warmUp = createWarmUp(h, image);
    expect(await warmUp()).toHaveLength(MAX_RUNS);
    expect(await warmUp()).toEqual([]); // as warm as runs make it
  });

  it('shares a warm-up in progress, and never rejects', async () => {
    const h = hooks([100, 100]);
    const warmUp = createWarmUp(h, image);
    const [a, b] = await Promise.all([warmUp(), warmUp()]);
    expect(a).toEqual([100, 100]);
    expect(b).toBe(a);
    const failing = createWarmUp({ busy: () => false, run: () => Promise.reject(new Error('no model')) }, image);
    expect(await failing()).toEqual([]);
    expect(await createWarmUp(h, async () => null)()).toEqual([]); // no OffscreenCanvas: nothing to run
  });
});
