/**
 * The extension's IndexedDB (its own origin, never a page's): results by the
 * image's SHA-256 and by URL, capped in number, and the NudeNet model the user
 * installed from the options page.
 */
import type { ModerationResult } from '../../src/index.js';

const DB = 'veil-extension';
/** At most this many results are kept; past it the oldest tenth is dropped. */
export const RESULT_CAP = 5000;

export interface StoredResult {
  sha: string;
  /** Which models gave it: a result of the classifier alone says nothing about NudeNet's parts. */
  models: string;
  result: ModerationResult;
  at: number;
}

export interface StoredModel {
  name: string;
  bytes: ArrayBuffer;
  sha256: string;
  source: string;
}

let opened: Promise<IDBDatabase> | null = null;

function db(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => {
      const d = request.result;
      d.createObjectStore('results', { keyPath: ['sha', 'models'] }).createIndex('at', 'at');
      d.createObjectStore('urls').createIndex('at', 'at');
      d.createObjectStore('models');
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

const done = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

async function store(name: string, mode: IDBTransactionMode): Promise<IDBObjectStore> {
  return (await db()).transaction(name, mode).objectStore(name);
}

/** A write, settled once its transaction committed: a request's success alone is lost if the page closes first. */
async function write(name: string, change: (s: IDBObjectStore) => void): Promise<void> {
  const tx = (await db()).transaction(name, 'readwrite');
  change(tx.objectStore(name));
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

export async function resultFor(sha: string, models: string): Promise<ModerationResult | null> {
  const found = (await done((await store('results', 'readonly')).get([sha, models]))) as StoredResult | undefined;
  return found?.result ?? null;
}

/** The SHA-256 last checked for a URL that only the extension could read (the page shows its own load of it). */
export async function shaFor(url: string): Promise<string | null> {
  const found = (await done((await store('urls', 'readonly')).get(url))) as { sha: string } | undefined;
  return found?.sha ?? null;
}

export async function remember(sha: string, models: string, result: ModerationResult, url?: string): Promise<void> {
  const at = Date.now();
  await write('results', (s) => s.put({ sha, models, result, at } satisfies StoredResult));
  if (url) await write('urls', (s) => s.put({ sha, at }, url));
  await trim('results');
  if (url) await trim('urls');
}

/** Keeps each store under the cap: the oldest tenth goes once it is passed. */
async function trim(name: 'results' | 'urls'): Promise<void> {
  const s = await store(name, 'readwrite');
  const count = await done(s.count());
  if (count <= RESULT_CAP) return;
  let drop = count - Math.floor(RESULT_CAP * 0.9);
  const cursor = s.index('at').openCursor();
  await new Promise<void>((resolve, reject) => {
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (!c || drop-- <= 0) return resolve();
      c.delete();
      c.continue();
    };
    cursor.onerror = () => reject(cursor.error);
  });
}

export async function countResults(): Promise<number> {
  return done((await store('results', 'readonly')).count());
}

export async function clearResults(): Promise<void> {
  await write('results', (s) => s.clear());
  await write('urls', (s) => s.clear());
}

export async function nudenet(): Promise<StoredModel | null> {
  return ((await done((await store('models', 'readonly')).get('nudenet'))) as StoredModel | undefined) ?? null;
}

/** The installed NudeNet's SHA-256 alone: read on every check, where the model's megabytes are not needed. */
export async function nudenetSha(): Promise<string | null> {
  return ((await done((await store('models', 'readonly')).get('nudenet-sha256'))) as string | undefined) ?? null;
}

export async function saveNudenet(model: StoredModel): Promise<void> {
  await write('models', (s) => (s.put(model, 'nudenet'), s.put(model.sha256, 'nudenet-sha256')));
  await clearResults();
}

export async function removeNudenet(): Promise<void> {
  await write('models', (s) => (s.delete('nudenet'), s.delete('nudenet-sha256')));
  await clearResults();
}

export async function sha256(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
