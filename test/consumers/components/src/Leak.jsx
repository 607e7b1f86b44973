// The leak test's page: `size` screened images under their own provider, mounted and
// unmounted by the test through window.setShown.
import { useEffect, useState } from 'react';
import { ScreenedImage, VeilProvider } from 'veil-nsfw/react';

const options = { model: '/models/320n.onnx' };

export default function Leak({ size }) {
  const [shown, setShown] = useState(true);
  window.setShown = setShown;
  // Counts this page's mount effects: StrictMode (development builds) runs them twice.
  useEffect(() => void (window.mountEffects = (window.mountEffects ?? 0) + 1), []);
  if (!shown) return <p>Nothing shown</p>;
  return (
    <VeilProvider options={options}>
      {Array.from({ length: size }, (_, i) => (
        <ScreenedImage key={i} src={i % 2 ? '/pass.png' : '/block.png'} width={160} height={120} alt={`Photo ${i}`} />
      ))}
    </VeilProvider>
  );
}
