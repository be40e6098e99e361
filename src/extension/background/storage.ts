/**
 * Typed storage items with defaults (docs/style.md §8), over `storage.session` (memory only, and readable only
 * by the extension's own pages and worker: session keys, remembered pi, tab state, pending logins, prompt
 * times — docs/protocol-decisions.md §4). The personal phrase is kept in the extension origin's IndexedDB
 * (phrase-store.ts), never in `storage.local`, which content scripts can read. An in-memory area stands in for
 * tests.
 */
import type { ClientState } from '../../protocol/state.ts';
import type { LoginRequest, RequestSequence } from '../../protocol/client.ts';
import type { FailureView, LoginView, TabState } from '../shared/messages.ts';

/** The part of a `storage` area (storage.session / storage.local, both browsers) the items use. */
export interface StorageArea {
  get(keys: string | string[]): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
  /** Chromium: who may read the area (storage.session only). */
  setAccessLevel?(o: { accessLevel: 'TRUSTED_CONTEXTS' | 'TRUSTED_AND_UNTRUSTED_CONTEXTS' }): Promise<void>;
}

export interface StorageItem<T> {
  readonly key: string;
  get(): Promise<T>;
  set(v: T): Promise<void>;
}

export function item<T>(area: () => StorageArea, key: string, fallback: () => T, valid: (v: unknown) => v is T): StorageItem<T> {
  return {
    key,
    async get() {
      try {
        const got = await area().get(key);
        const v = got[key];
        return valid(v) ? v : fallback();
      } catch {
        return fallback();
      }
    },
    async set(v) {
      await area().set({ [key]: v });
    },
  };
}

/** A storage area kept in a Map, for unit tests (and structured-clone semantics like the real one). */
export function memoryArea(): StorageArea & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    async get(keys) {
      const out: Record<string, unknown> = {};
      for (const k of typeof keys === 'string' ? [keys] : keys) if (data.has(k)) out[k] = structuredClone(data.get(k));
      return out;
    },
    async set(items) {
      for (const [k, v] of Object.entries(items)) data.set(k, structuredClone(v));
    },
    async remove(keys) {
      for (const k of typeof keys === 'string' ? [keys] : keys) data.delete(k);
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A main-frame response that proved the server, waiting for its document to commit (issue 7: "verified"
 * belongs to a committed document; a 204, a download or a navigation that never commits changes nothing).
 */
export interface ExpectedDocument {
  url: string;
  sessionKey: string;
  /** Responses verified for this document so far (the document itself, early subresources). */
  verified: number;
}

/** What the background remembers about one tab (tabs.ts owns these records). */
export interface TabRecord {
  state: TabState;
  attached: boolean;
  /** URL of the tab's latest top-level request (what a replacement tab reloads after a worker restart). */
  url?: string;
  /** URL of the tab's committed top-level document, as the browser reported the commit. */
  committedUrl?: string;
  /** Counts the tab's top-level commits: identifies "the current document" (indicator tokens, counters). */
  docSeq: number;
  /** The committed top-level document's id, where the browser gives one (Chromium's documentId). */
  documentId?: string;
  /** sessionKey of the session this tab's committed document was verified with. */
  sessionKey?: string;
  /** A verified main-frame response whose document has not committed yet. */
  expect?: ExpectedDocument;
  lastFailure?: FailureView;
  /** Responses verified for the current document (reset when another document commits). */
  requestsVerified: number;
  /** Epoch ms of the last automatic reload (no reload loops). */
  lastAutoReload?: number;
  /** One-time token handed to this tab's top-frame content script for its indicator frame (views.ts). */
  indicatorToken?: { token: string; docSeq: number; documentId?: string; at: number };
}

/** A login the background waits for (or offers) on a tab: what the UI shows and what the engine resumes. */
export interface PendingLogin {
  view: LoginView;
  request: LoginRequest;
}

/** The automatic prompts of the last minute (prompts.ts). */
export interface PromptLog {
  /** Epoch ms of each login UI opened automatically, across all tabs. */
  recent: number[];
  /** `${server} ${realmKey}` → epoch ms its login UI was last opened (or suppressed) automatically. */
  realms: Record<string, number>;
}

/** A request sequence that carried (or will carry) a session, keyed by interception id. */
export interface PendingRecord {
  tabId: number;
  seq: RequestSequence;
  at: number;
}

export interface SessionStore {
  /** The engine's state: sessions, nonce counters, remembered pi (memory only). */
  clientState: StorageItem<ClientState | null>;
  pending: StorageItem<Record<string, PendingRecord>>;
  tabs: StorageItem<Record<string, TabRecord>>;
  /** Pending logins by tab id: the only place they live (login.ts). */
  logins: StorageItem<Record<string, PendingLogin>>;
  /** Automatic prompts of the last minute (prompts.ts). */
  prompts: StorageItem<PromptLog>;
}

export function sessionStore(area: () => StorageArea): SessionStore {
  return {
    clientState: item(area, 'clientState', () => null, (v): v is ClientState | null =>
      v === null || (isObject(v) && v.version === 1 && isObject(v.sessions) && isObject(v.credentials) && isObject(v.lastRealm) && typeof v.revision === 'number')),
    pending: item(area, 'pending', () => ({}), (v): v is Record<string, PendingRecord> => isObject(v)),
    tabs: item(area, 'tabs', () => ({}), (v): v is Record<string, TabRecord> => isObject(v)),
    logins: item(area, 'logins', () => ({}), (v): v is Record<string, PendingLogin> => isObject(v)),
    prompts: item(area, 'prompts', () => ({ recent: [], realms: {} }), (v): v is PromptLog =>
      isObject(v) && Array.isArray(v.recent) && v.recent.every((x) => typeof x === 'number') && isObject(v.realms)),
  };
}

export interface LocalStore {
  /**
   * The user's personal phrase for the indicator and the login UI: not a secret from the user, but no page
   * and no content script may read it (it is what a look-alike drawn by a page lacks). In the extension it is
   * kept in the extension origin's IndexedDB (phrase-store.ts); tests use a memory area.
   */
  phrase: StorageItem<string>;
}

/** A LocalStore over a storage area (tests, and the one-time migration out of storage.local). */
export function localStore(area: () => StorageArea): LocalStore {
  return {
    phrase: item(area, 'phrase', () => '', (v): v is string => typeof v === 'string'),
  };
}
