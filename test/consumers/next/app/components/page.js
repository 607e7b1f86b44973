// Rendered on the server: <ScreenedImage> comes out as <veil-image> markup, and the
// client hydrates it; the detector and the element start only in the browser.
import Photos from './photos.js';

export default function Page() {
  return <Photos />;
}
