// What a worker of this engine offers Veil's worker, as Veil's own code tests for it.
let offscreen2d = false;
try {
  offscreen2d = !!new OffscreenCanvas(1, 1).getContext('2d');
} catch {}
postMessage({
  ImageDecoder: typeof ImageDecoder === 'function',
  // Veil reads stills through ImageDecoder only where VideoFrame tells a frame's rotation (EXIF).
  VideoFrameRotation: typeof VideoFrame === 'function' && 'rotation' in VideoFrame.prototype,
  VideoDecoder: typeof VideoDecoder === 'function',
  OffscreenCanvas2d: offscreen2d,
  SharedArrayBuffer: typeof SharedArrayBuffer === 'function',
  crossOriginIsolated: self.crossOriginIsolated === true,
});
