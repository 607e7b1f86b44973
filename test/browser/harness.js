// The harness's script as a file, for pages whose Content Security Policy forbids inline script.
import * as veil from '/dist/index.js';
window.veil = veil;
window.dispatchEvent(new Event('veil-ready'));
