/**
 * The service worker: routes each content script's checks to the offscreen
 * document that runs Veil's detector, opening it on demand and closing it once it
 * has been idle for `idleCloseMs`, so its worker, model and WASM memory are given
 * back when no page needs them.
 */
import { loadSettings, type Message } from './settings.js';

const OFFSCREEN = 'offscreen.html';
let opening: Promise<void> | null = null;
/** A close under way: a check that comes meanwhile waits for it, then opens a new document. */
let closing: Promise<void> | null = null;
let inFlight = 0;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

async function hasDocument(): Promise<boolean> {
  const contexts = await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT] });
  return contexts.length > 0;
}

/**
 * Settles once the offscreen document's script listens: a document that exists
 * has not necessarily run its script yet, and a message sent before then finds
 * no one to answer it.
 */
let ready: Promise<void> | null = null;
let markReady = () => {};

async function openOffscreen(): Promise<void> {
  await closing;
  if (await hasDocument()) return void (await ready);
  if (!opening) ready = new Promise((resolve) => (markReady = resolve));
  opening ??= chrome.offscreen
    .createDocument({ url: OFFSCREEN, reasons: [chrome.offscreen.Reason.WORKERS], justification: 'Runs the nudity detector in a Web Worker, on this device.' })
    .finally(() => (opening = null));
  await opening;
  await ready;
}

async function closeWhenIdle(): Promise<void> {
  clearTimeout(idleTimer);
  if (inFlight > 0) return;
  const { idleCloseMs } = await loadSettings();
  idleTimer = setTimeout(() => {
    if (inFlight > 0 || opening || closing) return;
    closing = (async () => {
      // Checked again after the await: a check that came meanwhile keeps the document open.
      if ((await hasDocument()) && inFlight === 0) await chrome.offscreen.closeDocument();
    })()
      .catch(() => undefined)
      .finally(() => (closing = null));
  }, idleCloseMs);
}

chrome.runtime.onMessage.addListener((message: Message & { target?: string }, sender, respond) => {
  if ((message as { type?: string })?.type === 'offscreen-ready' && !sender.tab) return void markReady();
  // The offscreen document's own traffic, and the popup's questions to a tab, are not for this worker.
  if (message?.target || !sender.tab) return;
  if (message.type === 'cancel') {
    void chrome.runtime.sendMessage({ ...message, target: 'offscreen', key: `${sender.tab.id}:${sender.frameId}:${message.id}` }).catch(() => undefined);
    return;
  }
  if (message.type !== 'check') return;
  inFlight++;
  clearTimeout(idleTimer);
  Promise.all([loadSettings(), openOffscreen()])
    .then(([{ policy, models }]) =>
      chrome.runtime.sendMessage({ ...message, target: 'offscreen', key: `${sender.tab!.id}:${sender.frameId}:${message.id}`, policy, models }),
    )
    .then(respond, (error: unknown) => respond({ error: { code: '5010', message: `The detector could not start: ${String((error as Error)?.message ?? error)}` } }))
    .finally(() => {
      inFlight--;
      void closeWhenIdle();
    });
  return true;
});

// A new idle time applies to the document open now, not only after the next check.
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && changes.idleCloseMs) void closeWhenIdle();
});
