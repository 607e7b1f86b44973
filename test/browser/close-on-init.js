// Ends this worker (self.close(): no error event reaches the page) as soon as the
// page asks it to start loading, as a browser ends a worker that runs out of
// memory. Imported by closing-worker.js before Veil's worker.
self.addEventListener('message', (event) => {
  if (event.data?.path?.[0] === 'init') self.close();
});
