'use client';
// As the README's "Use it" shows, in a client component: the package by name, the model
// from this app's own origin (public/models/). Veil only starts its worker when called,
// so importing it where Next.js renders on the server is fine.
import { useEffect } from 'react';
import { createDetector } from 'veil-nsfw';

export default function Screen() {
  useEffect(() => {
    window.screenImage = async (url) => {
      const detector = await createDetector({ model: '/models/veil-fixture-320.onnx' });
      try {
        const result = await detector.detect(url);
        return { result, info: detector.info };
      } finally {
        detector.dispose();
      }
    };
  }, []);
  return <p>Veil in a Next.js app</p>;
}
