// Veil's worker in a browser without JS Promise Integration (without-jspi.js,
// evaluated first). Passed as `workerUrl`.
import './without-jspi.js';
import '/dist/worker.js';
