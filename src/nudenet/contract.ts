/**
 * NudeNet's model contract: one input `images` [1, 3, S, S] and one output
 * `output0` [1, 22, A]. Shared by the browser session (onnxruntime-web) and the
 * Node gateway (onnxruntime-node): both expose the same metadata shape, so one
 * check refuses a wrong model with the same sentence in either place.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import { anchorCount, OUTPUT_ROWS } from './classes.js';

/** What onnxruntime-common's `InferenceSession.ValueMetadata` says about one input or output. */
export type ValueMetadata =
  | { readonly name: string; readonly isTensor: true; readonly shape: ReadonlyArray<number | string> }
  | { readonly name: string; readonly isTensor: false };

/** The part of an onnxruntime session (web or node) the check reads. */
export interface ModelSignature {
  readonly inputNames: readonly string[];
  readonly inputMetadata: readonly ValueMetadata[];
  readonly outputMetadata: readonly ValueMetadata[];
}

/** One input or output as a sentence shows it: its name and shape. */
export const describeValue = (m: ValueMetadata | undefined) => (m ? `${m.name} ${m.isTensor ? `[${m.shape.join(',')}]` : '(not a tensor)'}` : 'nothing');

/** Checks the model has NudeNet's contract and returns its input side S; throws VeilError 5010 otherwise. */
export function checkContract(session: ModelSignature): number {
  const input = session.inputMetadata[0];
  const output = session.outputMetadata[0];
  const inShape = input?.isTensor ? input.shape : [];
  const outShape = output?.isTensor ? output.shape : [];
  const size = inShape[2];
  // Symbolic dimensions (strings) are accepted where a number is expected.
  const fits = (dim: number | string | undefined, want: number) => typeof dim === 'string' || dim === want;
  const ok =
    session.inputNames.length === 1 &&
    inShape.length === 4 &&
    fits(inShape[1], 3) &&
    typeof size === 'number' &&
    inShape[3] === size &&
    size % 32 === 0 &&
    outShape.length === 3 &&
    fits(outShape[1], OUTPUT_ROWS) &&
    fits(outShape[2], anchorCount(size));
  if (!ok) {
    throw new VeilError(
      ErrorCodes.MODEL_UNAVAILABLE,
      `This model is not a NudeNet detector: it takes ${describeValue(input)} and gives ${describeValue(output)}, where NudeNet takes images [1,3,S,S] and gives output0 [1,22,A]. Use NudeNet's 320n.onnx or 640m.onnx.`,
    );
  }
  return size;
}

/** An open onnxruntime session (web or node), as far as binding it to NudeNet goes. */
export interface OpenSession extends ModelSignature {
  readonly outputNames: readonly string[];
  release(): Promise<void>;
}

/** What inference needs to know of a session that passed the contract check. */
export interface BoundModel {
  inputSize: number;
  inputName: string;
  outputName: string;
  /** Throws VeilError 5010 when an output does not have the 22 x A values NudeNet gives. */
  checkOutput(values: ArrayLike<number>): void;
}

/** Checks an open session against NudeNet's contract, releasing it when it fails. */
export async function bindModel(session: OpenSession): Promise<BoundModel> {
  let inputSize: number;
  try {
    inputSize = checkContract(session);
  } catch (error) {
    await session.release();
    throw error;
  }
  const expected = OUTPUT_ROWS * anchorCount(inputSize);
  return {
    inputSize,
    inputName: session.inputNames[0]!,
    outputName: session.outputNames[0]!,
    checkOutput(values) {
      if (values.length !== expected) {
        throw new VeilError(
          ErrorCodes.MODEL_UNAVAILABLE,
          `This model's output has ${values.length} values where a NudeNet detector at ${inputSize} gives ${expected} (22 x ${anchorCount(inputSize)}). Use NudeNet's 320n.onnx or 640m.onnx.`,
        );
      }
    },
  };
}
