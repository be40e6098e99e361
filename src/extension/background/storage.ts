/**
 * Typed storage items with defaults (docs/style.md §8), over `storage.session` (memory only: session keys,
 * remembered pi, tab state — allowed for secrets, docs/mutual-protocol.md §4) or `storage.local` (disk:
 * only the personal phrase, never a secret). An in-memory area stands in for tests.
 */
import type { ClientState } from '../../protocol/state.ts';
import type { RequestSequence } from '../../protocol/client.ts';
import type { StorageArea } from './chrome.ts';
import type { FailureView, LoginView, TabState } from '../shared/messages.ts';

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

/** What the background remembers about one tab. */
export interface TabRecord {
  state: TabState;
  attached: boolean;
  url?: string;
  /** sessionKey of the session this tab's page was verified with. */
  sessionKey?: string;
  login?: LoginView;
  lastFailure?: FailureView;
  requestsVerified: number;
  /** Epoch ms of the last automatic reload (no reload loops). */
  lastAutoReload?: number;
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
  /** realm key → epoch ms the login UI was last opened for it automatically (once a minute, at most). */
  promptedAt: StorageItem<Record<string, number>>;
}

export function sessionStore(area: () => StorageArea): SessionStore {
  return {
    clientState: item(area, 'clientState', () => null, (v): v is ClientState | null =>
      v === null || (isObject(v) && v.version === 1 && isObject(v.sessions) && isObject(v.credentials) && isObject(v.lastRealm) && typeof v.revision === 'number')),
    pending: item(area, 'pending', () => ({}), (v): v is Record<string, PendingRecord> => isObject(v)),
    tabs: item(area, 'tabs', () => ({}), (v): v is Record<string, TabRecord> => isObject(v)),
    promptedAt: item(area, 'promptedAt', () => ({}), (v): v is Record<string, number> => isObject(v)),
  };
}

export interface LocalStore {
  /** The user's personal phrase for the in-page indicator (not a secret from the user; shown to them). */
  phrase: StorageItem<string>;
}

export function localStore(area: () => StorageArea): LocalStore {
  return {
    phrase: item(area, 'phrase', () => '', (v): v is string => typeof v === 'string'),
  };
}
