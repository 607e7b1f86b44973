/**
 * Results remembered by the image's SHA-256, so the same image is never scanned
 * or sent twice: in memory (bounded, least recently used goes first), and
 * optionally in IndexedDB so it survives page loads. Works in a page and a worker.
 */
import type { CacheOption } from './options.js';

export interface Cache<T> {
  get(key: string): Promise<T | undefined>;
  set(key: string, value: T): Promise<void>;
}

const DB = 'veil-cache';
const STORE = 'results';

function openDb(): Promise<IDBDatabase | null> {
  if (typeof indexedDB === 'undefined') return Promise.resolve(null);
  return new Promise((resolve) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    // Private modes and full disks refuse IndexedDB: memory alone still works.
    request.onerror = () => resolve(null);
    request.onblocked = () => resolve(null);
  });
}

/**
 * One request in its own transaction. A read resolves with its result; a write
 * only once its transaction has committed, so a detector disposed (its worker
 * terminated) right after a result does not lose what it was writing.
 */
function idb<R>(db: IDBDatabase, mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<R>): Promise<R | undefined> {
  return new Promise((resolve) => {
    try {
      const transaction = db.transaction(STORE, mode);
      const request = run(transaction.objectStore(STORE));
      if (mode === 'readonly') request.onsuccess = () => resolve(request.result);
      else transaction.oncomplete = () => resolve(request.result);
      request.onerror = () => resolve(undefined);
      transaction.onabort = () => resolve(undefined);
    } catch {
      resolve(undefined);
    }
  });
}

export function createCache<T>(option: CacheOption, capacity = 1000): Cache<T> | null {
  if (option === false) return null;
  const memory = new Map<string, T>();
  const db = option === 'indexeddb' ? openDb() : null;
  const remember = (key: string, value: T) => {
    memory.delete(key);
    memory.set(key, value);
    if (memory.size > capacity) memory.delete(memory.keys().next().value!);
  };
  return {
    async get(key) {
      const hit = memory.get(key);
      if (hit !== undefined) {
        remember(key, hit); // refresh its place
        return hit;
      }
      const store = await db;
      const stored = store ? await idb<T>(store, 'readonly', (s) => s.get(key) as IDBRequest<T>) : undefined;
      if (stored !== undefined) remember(key, stored);
      return stored;
    },
    async set(key, value) {
      remember(key, value);
      const store = await db;
      if (store) await idb(store, 'readwrite', (s) => s.put(value, key));
    },
  };
}
