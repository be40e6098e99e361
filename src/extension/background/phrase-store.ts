/**
 * Where the personal phrase lives (issue 7, docs/threat-model.md rule R5): in the IndexedDB of the
 * extension's own origin. It must outlive the browser session (so not `storage.session`), and no content script
 * may read it: `storage.local` is readable from the content-script world of every page, and Chromium's
 * `setAccessLevel` applies to `storage.session` only, while Firefox has none. A content script runs with the
 * page's origin, so the extension origin's IndexedDB is out of its reach (and out of every page's).
 * Encrypting it in `storage.local` would not help: the key would have to sit somewhere a content script can
 * read too, or be lost at every browser restart.
 */
import type { StorageItem } from './storage.ts';

const DB = 'mutual';
const STORE = 'private';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('indexedDB.open failed'));
  });
}

async function run<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = f(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
}

/** A string item in the extension origin's IndexedDB, '' when absent. */
export function privateStringItem(key: string): StorageItem<string> {
  return {
    key,
    async get() {
      try {
        const v: unknown = await run('readonly', (s) => s.get(key));
        return typeof v === 'string' ? v : '';
      } catch {
        return '';
      }
    },
    async set(v) {
      await run('readwrite', (s) => s.put(v, key));
    },
  };
}
