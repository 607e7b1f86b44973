/**
 * A classifier's model contract: one float32 input [1, 3, S, S] with S its
 * description's input side, and one output [1, N] with N its number of classes.
 * Checked on the open session, as NudeNet's contract is, so a wrong file is
 * refused at start with a sentence rather than misread at every call.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import { describeValue as describe, type BoundModel, type OpenSession } from '../nudenet/contract.js';
import type { ClassifierDescription } from './spec.js';

/** Checks an open session against the description, releasing it when it fails. */
export async function bindClassifier(session: OpenSession, description: ClassifierDescription): Promise<BoundModel> {
  const { inputSize: size, classes, name } = description;
  const input = session.inputMetadata[0];
  const output = session.outputMetadata[0];
  const fits = (dim: number | string | undefined, want: number) => typeof dim === 'string' || dim === want;
  const inShape = input?.isTensor ? input.shape : [];
  const outShape = output?.isTensor ? output.shape : [];
  const ok =
    session.inputNames.length === 1 &&
    inShape.length === 4 &&
    fits(inShape[1], 3) &&
    fits(inShape[2], size) &&
    fits(inShape[3], size) &&
    outShape.length === 2 &&
    fits(outShape[1], classes.length);
  if (!ok) {
    await session.release();
    throw new VeilError(
      ErrorCodes.MODEL_UNAVAILABLE,
      `This model is not the classifier "${name}" describes: it takes ${describe(input)} and gives ${describe(output)}, where that classifier takes [1,3,${size},${size}] and gives [1,${classes.length}].`,
    );
  }
  return {
    inputSize: size,
    inputName: session.inputNames[0]!,
    outputName: session.outputNames[0]!,
    checkOutput(values) {
      if (values.length !== classes.length) {
        throw new VeilError(ErrorCodes.MODEL_UNAVAILABLE, `The classifier "${name}" gave ${values.length} values for its ${classes.length} classes.`);
      }
    },
  };
}
