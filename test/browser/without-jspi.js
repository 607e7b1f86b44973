// Removes JS Promise Integration, as in browsers that lack it. Imported first by
// no-jspi-worker.js, so it runs before Veil's worker code.
delete WebAssembly.Suspending;
