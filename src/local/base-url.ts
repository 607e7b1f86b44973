/** What relative URLs (the model, images, the worker) resolve against: the page's base URL. */
export function pageBaseUrl(): string {
  return globalThis.document?.baseURI ?? globalThis.location?.href ?? 'http://localhost/';
}
