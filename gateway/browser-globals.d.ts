/**
 * The gateway takes the library's input limits from src/options.ts, checked by
 * src/resolve-options.ts, which also reads this browser global (for WASM
 * threads), and samples an animation's frames
 * with src/worker/animation.ts, whose decoder types name WebCodecs' VideoFrame.
 * Node has neither, and the gateway compiles without the DOM library, so they are
 * declared here, as browsers do (the gateway never makes a VideoFrame).
 */
declare var crossOriginIsolated: boolean | undefined;
interface VideoFrame {
  close(): void;
}
