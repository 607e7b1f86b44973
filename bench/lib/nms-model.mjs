// @ts-check
/**
 * The NMS model of NudeNet's in-browser demo (notAI-tech/NudeNet, in_browser/public/model/nms-yolov8.onnx,
 * from Hyuto's yolov8-onnxruntime-web), rebuilt node for node: the same 20 operators, opset 11, the same
 * inputs and output. `detection` is YOLOv8's output0 [1, 4 + classes, anchors], `config` is
 * [topk per class, IoU threshold, score threshold]; `selected` [1, kept, 4 + classes] holds the kept
 * rows (centre, size, class scores). Only the names of the values differ from the original file.
 * Like the original, it reads the class count from `detection`'s last dimension (the anchors) before
 * transposing, which slices the scores right only because YOLOv8 has more anchors than 4 + classes.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const { AttributeType } = onnx.AttributeProto;
const { DataType } = onnx.TensorProto;

/** @param {string} name @param {number[]} ints */
const ints = (name, ints) => ({ name, type: AttributeType.INTS, ints });
/** @param {string} name @param {number} i */
const int = (name, i) => ({ name, type: AttributeType.INT, i });
/**
 * @param {string} opType @param {string[]} input @param {string} output
 * @param {import('onnx-proto').onnx.IAttributeProto[]} [attribute]
 */
const node = (opType, input, output, attribute = []) => ({ opType, input, output: [output], name: output, attribute });

/** @returns {Uint8Array} the model's bytes */
export function buildNmsModel() {
  const nodes = [
    node('Shape', ['detection'], 'shape'),
    node('Slice', ['config', 'c0', 'c1', 'c0'], 'topk_float'),
    node('Slice', ['config', 'c1', 'c2', 'c0'], 'iou_threshold'),
    node('Slice', ['config', 'c2', 'c3', 'c0'], 'score_threshold'),
    node('Transpose', ['detection'], 'rows', [ints('perm', [0, 2, 1])]),
    node('Slice', ['shape', 'c2', 'c3', 'c0'], 'anchors'),
    node('Cast', ['topk_float'], 'topk', [int('to', DataType.INT64)]),
    node('Slice', ['rows', 'c0', 'c4', 'c2'], 'raw_boxes'),
    node('Cast', ['anchors'], 'anchors_int', [int('to', DataType.INT32)]),
    node('Sub', ['anchors_int', 'c4'], 'classes'),
    node('Add', ['classes', 'c4'], 'scores_end'),
    node('Slice', ['rows', 'c4', 'scores_end', 'c2'], 'raw_scores'),
    node('ReduceMax', ['raw_scores'], 'max_scores', [ints('axes', [2]), int('keepdims', 1)]),
    node('Transpose', ['max_scores'], 'nms_scores', [ints('perm', [0, 2, 1])]),
    node('NonMaxSuppression', ['raw_boxes', 'nms_scores', 'topk', 'iou_threshold', 'score_threshold'], 'nms', [int('center_point_box', 1)]),
    node('Gather', ['nms', 'c2'], 'kept_column', [int('axis', 1)]),
    node('Transpose', ['kept_column'], 'kept', [ints('perm', [1, 0])]),
    node('Gather', ['rows', 'kept'], 'gathered', [int('axis', 1)]),
    node('Squeeze', ['gathered'], 'selected', [ints('axes', [1])]),
  ];
  // The constants are int32 [1], as in the original.
  /** @param {string} name @param {number} value */
  const int32 = (name, value) => ({ name, dataType: DataType.INT32, dims: [1], rawData: new Uint8Array(new Int32Array([value]).buffer) });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 11 }],
    producerName: 'veil-bench',
    graph: {
      name: 'nms-yolov8',
      node: nodes,
      initializer: [int32('c0', 0), int32('c1', 1), int32('c2', 2), int32('c3', 3), int32('c4', 4)],
      input: [
        { name: 'detection', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, {}, {}] } } } },
        { name: 'config', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 3 }] } } } },
      ],
      output: [{ name: 'selected', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimParam: 'kept' }, { dimParam: 'row' }] } } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
