// As the README's "Use it" shows: the package by name, the model from this app's own origin.
import { createDetector } from 'veil-nsfw';

window.screenImage = async (url) => {
  const detector = await createDetector({ model: '/models/veil-fixture-320.onnx' });
  try {
    const result = await detector.detect(url);
    return { result, info: detector.info };
  } finally {
    detector.dispose();
  }
};
