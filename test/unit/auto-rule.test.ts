import { describe, expect, it } from 'vitest';
import { chooseRoute, type Capabilities } from '../../src/auto/rule.js';

const laptop: Capabilities = { webgpu: 'hardware', cores: 8, memoryGb: 8, crossOriginIsolated: true, saveData: false, modelCached: false };
const budget = { maxLocalLatencyMs: 1000 };

describe('chooseRoute: the "too weak" rule of auto mode', () => {
  it('runs locally on a capable device and says why', () => {
    expect(chooseRoute({ capabilities: laptop, ...budget })).toEqual({ route: 'local', reasons: ['Screening locally: a hardware WebGPU adapter.'] });
    const cpu = chooseRoute({ capabilities: { ...laptop, webgpu: 'none', cores: 2, crossOriginIsolated: false }, ...budget, warmLatencyMs: 420.4 });
    expect(cpu).toEqual({
      route: 'local',
      reasons: ['Screening locally: 2 CPU cores (one WASM thread: the page is not cross-origin isolated), a warm inference of 420 ms within the 1000 ms budget.'],
    });
  });

  it('goes remote below 2 GB of device memory', () => {
    expect(chooseRoute({ capabilities: { ...laptop, memoryGb: 1 }, ...budget })).toEqual({
      route: 'remote',
      reasons: ['The device reports 1 GB of memory, under the 2 GB local screening needs.'],
    });
    expect(chooseRoute({ capabilities: { ...laptop, memoryGb: null }, ...budget }).route).toBe('local');
  });

  it('goes remote under Save-Data unless the model is already cached', () => {
    expect(chooseRoute({ capabilities: { ...laptop, saveData: true }, ...budget }).reasons[0]).toMatch(/^Save-Data is on/);
    expect(chooseRoute({ capabilities: { ...laptop, saveData: true, modelCached: true }, ...budget }).route).toBe('local');
  });

  it('goes remote with one core and no hardware GPU; a software adapter does not count', () => {
    expect(chooseRoute({ capabilities: { ...laptop, webgpu: 'software', cores: 1 }, ...budget }).reasons).toEqual([
      'One CPU core and no hardware WebGPU (only a software adapter): local inference would stall the device.',
    ]);
    expect(chooseRoute({ capabilities: { ...laptop, webgpu: 'hardware', cores: 1 }, ...budget }).route).toBe('local');
  });

  it('goes remote when a warm inference is over the budget', () => {
    const slow = chooseRoute({ capabilities: laptop, maxLocalLatencyMs: 300, warmLatencyMs: 812.6 });
    expect(slow).toEqual({ route: 'remote', reasons: ['A warm local inference took 813 ms, over the 300 ms budget (maxLocalLatencyMs).'] });
    expect(chooseRoute({ capabilities: laptop, maxLocalLatencyMs: 300, warmLatencyMs: 300 }).route).toBe('local');
  });

  it('with the classifier allowed alone: screens with it when it fits the budget, else remote with both figures', () => {
    expect(chooseRoute({ capabilities: laptop, maxLocalLatencyMs: 300, warmLatencyMs: 812.6, classifierLatencyMs: 95.2 })).toEqual({
      route: 'classifier',
      reasons: ['A warm local inference took 813 ms, over the 300 ms budget (maxLocalLatencyMs); the whole-image classifier alone took 95 ms: screening locally with it, without part boxes.'],
    });
    expect(chooseRoute({ capabilities: laptop, maxLocalLatencyMs: 300, warmLatencyMs: 812.6, classifierLatencyMs: 420 })).toEqual({
      route: 'remote',
      reasons: ['A warm local inference took 813 ms, over the 300 ms budget (maxLocalLatencyMs), and the whole-image classifier alone took 420 ms.'],
    });
    // Within the budget, the classifier's figure changes nothing: both models run.
    expect(chooseRoute({ capabilities: laptop, maxLocalLatencyMs: 300, warmLatencyMs: 250, classifierLatencyMs: 40 }).route).toBe('local');
    // A device the probe already rules out is not rescued by the classifier.
    expect(chooseRoute({ capabilities: { ...laptop, memoryGb: 1 }, maxLocalLatencyMs: 300, warmLatencyMs: 812.6, classifierLatencyMs: 40 }).route).toBe('remote');
  });

  it('goes remote after a local failure, whatever the device', () => {
    expect(chooseRoute({ capabilities: laptop, ...budget, localFailure: 'The model could not be downloaded (HTTP 404).' })).toEqual({
      route: 'remote',
      reasons: ['Local screening failed: The model could not be downloaded (HTTP 404).'],
    });
  });
});
