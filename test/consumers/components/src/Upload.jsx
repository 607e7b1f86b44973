// useScreenedUpload on a form's file input: each file's state, and the held-back files with their sentences.
import { VeilProvider, useScreenedUpload } from 'veil-nsfw/react';

function PostForm() {
  const upload = useScreenedUpload();
  return (
    <form>
      <input id="files" ref={upload.ref} type="file" accept="image/*" multiple />
      <ul id="states">{upload.files.map(({ file, state }) => <li key={file.name}>{`${file.name}: ${state}`}</li>)}</ul>
      {upload.heldBack.map(({ file, sentence }) => <p key={file.name} role="alert">{sentence}</p>)}
      <button disabled={upload.state !== 'pass'}>Publish</button>
    </form>
  );
}

export default function Upload() {
  return (
    <VeilProvider options={{ model: '/models/320n.onnx' }}>
      <PostForm />
    </VeilProvider>
  );
}
