/**
 * The models the demo knows, by setting value (a module of its own, so the
 * settings form and the detector both read it without importing each other). NudeNet's are third-party and
 * installed by the user; the classifier is nsfwjs's MobileNetV2, converted to
 * ONNX by `npm start` from the nsfwjs npm package; the test model is the
 * project's own, which reacts only to flat colour patches.
 */
export const MODELS = {
  '320n': { url: '/models/320n.onnx', name: 'NudeNet 320n', kind: 'nudenet' },
  '640m': { url: '/models/640m.onnx', name: 'NudeNet 640m', kind: 'nudenet' },
  classifier: { url: '/models/nsfwjs-mobilenet-v2.onnx', name: 'MobileNetV2 classifier', kind: 'classifier' },
  test: { url: '/models/veil-fixture-320.onnx', name: "Veil's test model", kind: 'test' },
} as const;
export type ModelId = keyof typeof MODELS;
