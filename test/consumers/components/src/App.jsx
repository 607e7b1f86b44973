import { useState } from 'react';
import { ScreenedImage, VeilProvider } from 'veil-nsfw/react';

const options = { model: '/models/320n.onnx' };

export default function App() {
  const [decisions, setDecisions] = useState({});
  const onResult = (id) => (result) => setDecisions((d) => ({ ...d, [id]: result.decision }));
  return (
    <VeilProvider options={options}>
      <ScreenedImage id="blocked" src="/block.png" width={320} height={240} alt="A photo the policy blocks" onResult={onResult('blocked')} />
      <ScreenedImage id="clean" src="/pass.png" width={320} height={240} alt="A landscape" onResult={onResult('clean')} />
      <output id="decisions">{JSON.stringify(decisions)}</output>
    </VeilProvider>
  );
}
