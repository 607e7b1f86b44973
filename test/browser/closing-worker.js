// Veil's worker that ends itself when asked to start loading (close-on-init.js,
// evaluated first). Passed as `workerUrl`.
import './close-on-init.js';
import '/dist/worker.js';
