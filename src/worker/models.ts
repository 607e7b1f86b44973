/**
 * The models the worker runs, NudeNet and a whole-image classifier, each on its
 * own session and provider: loaded (from Cache Storage or the network), checked
 * against its contract, and rebuilt on WASM if the GPU fails mid-run.
 */
import { bindClassifier } from '../classifier/contract.js';
import type { ClassifierDescription } from '../classifier/spec.js';
import { ErrorCodes, toVeilError } from '../errors.js';
import type { ModelProgress } from '../options.js';
import type { LocalOptions, ResolvedModel } from '../resolve-options.js';
import { forgetModel, takeLoad, type LoadedModel } from './model-store.js';
import { createSession, startRuntime, type Bind, type DetectorSession } from './session.js';

export interface Slot {
  session: DetectorSession;
  /** What notes call it: `model` (NudeNet), or `classifier "<name>"`. */
  readonly label: string;
  readonly loaded: LoadedModel;
  /** On WebGPU, what rebuilds the session on WASM if the GPU fails; null once used, or on WASM. */
  rebuild: (() => Promise<DetectorSession>) | null;
}

export interface ClassifierSlot extends Slot {
  readonly description: ClassifierDescription;
}

/** Loads a model and opens its session on the first provider that works. */
async function open(model: ResolvedModel, options: LocalOptions, bind: Bind | undefined, label: string, report: (p: ModelProgress) => void): Promise<Slot> {
  startRuntime(options); // while the model downloads
  const loaded = await takeLoad(model, options.cacheModel, report);
  let session: DetectorSession;
  try {
    session = await createSession(loaded.bytes, options, bind);
  } catch (error) {
    // A cached copy that does not load must not be served again next time.
    if (loaded.cached && 'url' in model) await forgetModel(model.url);
    throw toVeilError(error, ErrorCodes.NO_BACKEND, `The ${label} could not be started`);
  }
  const rebuild = session.provider === 'webgpu' ? () => createSession(loaded.bytes, { ...options, providers: ['wasm'] }, bind) : null;
  return { session, label, loaded, rebuild };
}

export const openDetector = (model: ResolvedModel, options: LocalOptions, report: (p: ModelProgress) => void) =>
  open(model, options, undefined, 'model', report);

export async function openClassifier(
  model: ResolvedModel,
  description: ClassifierDescription,
  options: LocalOptions,
  report: (p: ModelProgress) => void,
): Promise<ClassifierSlot> {
  const slot = await open(model, options, (session) => bindClassifier(session, description), `classifier "${description.name}"`, report);
  return { ...slot, description };
}

/**
 * Runs a slot's model. If the GPU fails mid-run (device lost, out of GPU memory),
 * the session is rebuilt on WASM from the kept model bytes, `onRebuilt` is told
 * which and why (for every later result's runtime and notes), and the run is
 * tried once more there.
 */
export async function runSlot(slot: Slot, tensor: Float32Array, onRebuilt: (slot: Slot, note: string) => void): Promise<Float32Array> {
  try {
    return await slot.session.run(tensor);
  } catch (error) {
    const rebuild = slot.rebuild;
    if (!rebuild) throw toVeilError(error, ErrorCodes.INFERENCE_FAILED, 'Inference failed');
    const message = error instanceof Error ? error.message : String(error);
    const reason = /device (was )?lost/i.test(message) ? 'the GPU device was lost' : message.slice(0, 160);
    slot.rebuild = null;
    void slot.session.release().catch(() => undefined);
    try {
      slot.session = await rebuild();
    } catch (failure) {
      throw toVeilError(failure, ErrorCodes.INFERENCE_FAILED, `WebGPU failed (${reason}) and WASM could not take over`);
    }
    onRebuilt(slot, `WebGPU failed during inference (${reason}); the ${slot.label} was rebuilt on WASM.`);
    return slot.session.run(tensor);
  }
}
