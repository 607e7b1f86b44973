/**
 * The gateway takes the library's input limits from src/options.ts, which also
 * reads this browser global (for WASM threads); Node has no such global, and the
 * gateway compiles without the DOM library, so it is declared here, as browsers do.
 */
declare var crossOriginIsolated: boolean | undefined;
