/**
 * TensorFlow's window geometry (convolutions and pooling) as ONNX needs it:
 * explicit pads and output sizes. TF's 'same' and ONNX's pads are both exact
 * integers, so the mapping is exact; what needs care is where the odd pixel goes.
 */
import { ModelFetchError } from '../error.js';
import type { Value } from '../onnx-builder.js';

export interface Pads {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}
export type Padding = 'same' | 'valid' | Pads;

/**
 * TensorFlow's padding along one axis, as [before, after]. 'same' makes the
 * output ceil(in / stride) long and, when the total is odd, puts the extra pixel
 * after (bottom/right); ONNX's auto_pad SAME_UPPER would agree, but explicit pads
 * say it without depending on that reading.
 */
export function tfPadding(
  inSize: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: 'same' | 'valid',
): [number, number] {
  if (padding === 'valid') return [0, 0];
  const span = (kernel - 1) * dilation + 1;
  const total = Math.max((Math.ceil(inSize / stride) - 1) * stride + span - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export function outputSize(
  inSize: number,
  kernel: number,
  stride: number,
  dilation: number,
  before: number,
  after: number,
): number {
  return Math.floor((inSize + before + after - ((kernel - 1) * dilation + 1)) / stride) + 1;
}

export interface Window {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  readonly padding: Padding;
}

/** ONNX pads [top, left, bottom, right] and the output height and width of a window over `x`. */
export function windowGeometry(x: Value, w: Window): { pads: number[]; height: number; width: number } {
  const [, , h = 0, wd = 0] = x.shape;
  const [kh, kw] = w.kernel;
  const [sh, sw] = w.strides;
  const [dh, dw] = w.dilations;
  const p = w.padding;
  const [top, bottom] = typeof p === 'object' ? [p.top, p.bottom] : tfPadding(h, kh, sh, dh, p);
  const [left, right] = typeof p === 'object' ? [p.left, p.right] : tfPadding(wd, kw, sw, dw, p);
  const height = outputSize(h, kh, sh, dh, top, bottom);
  const width = outputSize(wd, kw, sw, dw, left, right);
  if (height < 1 || width < 1) {
    throw new ModelFetchError(
      `The model slides a ${kh}x${kw} window over a ${h}x${wd} image, which leaves nothing.`,
      'unsupported',
    );
  }
  return { pads: [top, left, bottom, right], height, width };
}
