// Veil's worker where it may start only so many thread workers
// (cap-thread-workers.js, evaluated first). Passed as `workerUrl`.
import './cap-thread-workers.js';
import '/dist/worker.js';
