/**
 * Messaging (docs/style.md §5–§7): every message has a handler; the router judges the sender, not the
 * message; content scripts may only ask for their indicator; nothing throws across the boundary.
 */
import { describe, expect, it } from 'vitest';
import { handlers, route, trustOf, type HandlerContext } from '../../src/extension/background/handlers.ts';
import type { MutualBackground } from '../../src/extension/background/core.ts';
import { localStore, memoryArea } from '../../src/extension/background/storage.ts';
import { ALLOWED, MESSAGE_NAMES } from '../../src/extension/shared/messages.ts';

const ID = 'abcdefghijklmnop';
const ORIGIN = `chrome-extension://${ID}/`;
const TARGET = { server: 'http://127.0.0.1:8080', realm: 'r', algorithm: 'iso-kam3-ec-p256-sha256', authScope: 'http://127.0.0.1:8080' };

function ctx(core: Partial<MutualBackground>, tabId?: number): HandlerContext {
  return {
    core: core as MutualBackground,
    local: localStore(() => memoryArea()),
    sender: tabId === undefined ? { id: ID, url: `${ORIGIN}popup/index.html` } : { id: ID, url: 'https://example.com/', frameId: 0, tab: { id: tabId, windowId: 1, active: true } },
    activeTabId: async () => 7, indicatorPage: 'chrome-extension://x/pages/indicator.html',
  };
}

describe('messaging', () => {
  it('has exactly one handler per message name', () => {
    expect(Object.keys(handlers).sort()).toEqual([...MESSAGE_NAMES].sort());
  });

  it('judges trust from the sender', () => {
    expect(trustOf({ id: ID, url: `${ORIGIN}pages/login.html?tab=3` }, ID, ORIGIN)).toBe('extension-page');
    // The web-accessible indicator frame (any page can frame it) may ask only what it shows.
    expect(trustOf({ id: ID, url: `${ORIGIN}pages/indicator.html#token`, tab: { id: 3, windowId: 1, active: true } }, ID, ORIGIN)).toBe('indicator-frame');
    expect(ALLOWED['indicator-frame'].has('indicator-frame')).toBe(true);
    for (const m of ['login', 'logout', 'get-phrase', 'set-phrase', 'tab-status', 'sessions'] as const) expect(ALLOWED['indicator-frame'].has(m)).toBe(false);
    expect(trustOf({ id: ID, url: 'https://example.com/x', tab: { id: 3, windowId: 1, active: true } }, ID, ORIGIN)).toBe('content-script');
    expect(trustOf({ id: 'other', url: `${ORIGIN}x` }, ID, ORIGIN)).toBe('untrusted');
    expect(trustOf({ id: ID, url: 'https://example.com/x' }, ID, ORIGIN)).toBe('untrusted');
    expect(trustOf({ id: ID, url: `chrome-extension://${ID}evil/x` }, ID, ORIGIN)).toBe('untrusted');
  });

  it('lets content scripts ask for their own indicator only', async () => {
    let loginCalled = false;
    const core: Partial<MutualBackground> = {
      login: async () => {
        loginCalled = true;
        return { result: 'error', code: 'ERR_LOGIN_NONE_PENDING', message: '' };
      },
      indicator: async (tabId: number) => ({ show: tabId === 5 }),
    };
    for (const type of MESSAGE_NAMES) {
      if (ALLOWED['content-script'].has(type)) continue;
      const r = await route({ type, tabId: 5, username: 'a', password: 'b', key: 'k', forget: true, phrase: 'p' }, 'content-script', ctx(core, 5));
      expect(r).toMatchObject({ ok: false, code: 'ERR_EXT_FORBIDDEN' });
    }
    expect(loginCalled).toBe(false);
    // The tabId in the message is ignored: the sender's tab decides.
    expect(await route({ type: 'indicator', tabId: 9 }, 'content-script', ctx(core, 5))).toEqual({ ok: true, value: { show: true } });
    expect(await route({ type: 'indicator' }, 'untrusted', ctx(core, 5))).toMatchObject({ ok: false, code: 'ERR_EXT_FORBIDDEN' });
  });

  it('answers hostile or broken messages with an error result, never a throw', async () => {
    const core: Partial<MutualBackground> = {
      login: async () => {
        throw new Error('secret detail');
      },
    };
    const bad: unknown[] = [null, 1, 'login', {}, { type: 'nope' }, { type: '__proto__' }, { type: 'login', tabId: -1, username: 'a', password: 'b' },
      { type: 'login', tabId: 1, username: 1, password: 'b' }, { type: 'login', tabId: 1, username: 'a', password: 'x'.repeat(5000) },
      { type: 'logout', key: 1 }, { type: 'set-phrase', phrase: '' },
      // A login must name the login it answers (server and realm the UI showed).
      { type: 'login', tabId: 1, username: 'a', password: 'b' }, { type: 'login', tabId: 1, username: 'a', password: 'b', ...TARGET, server: 7 }];
    for (const m of bad) {
      const r = await route(m, 'extension-page', ctx(core));
      expect(r.ok).toBe(false);
    }
    const r = await route({ type: 'login', tabId: 1, username: 'a', password: 'b', ...TARGET }, 'extension-page', ctx(core));
    expect(r).toEqual({ ok: false, code: 'ERR_EXT_INTERNAL', message: 'internal error' });
  });
});
