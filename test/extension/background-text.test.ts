/**
 * What the background itself says to the user is in the browser's UI language (issue 9): the toolbar title of
 * each tab state and the pages it serves in place of a document come from the extension's catalogue through
 * the BrowserPort (i18n.getMessage in the browser), never from English literals in the worker.
 */
import { describe, expect, it } from 'vitest';
import { servedPage } from '../../src/extension/background/interception.ts';
import type { MessageKey } from '../../src/extension/shared/translate.ts';
import { entries } from './support.ts';
import { ORIGIN, setup } from './scenario.ts';

/** A stand-in for the Japanese catalogue: every message marked with its key. */
const marked = (key: MessageKey, ...subs: string[]) => (key === 'lang' ? 'ja' : `〔${key}${subs.length ? ` ${subs.join(',')}` : ''}〕`);

describe('background text', () => {
  it('the toolbar title of a state is the catalogue message of that state', async () => {
    const s = await setup();
    s.port.text = marked;
    const first = s.server.handle(undefined);
    await s.core.onObservedResponse({ tabId: 1, url: `${ORIGIN}/`, statusCode: first.status, type: 'main_frame', headers: entries(first) });
    expect(s.port.states.at(-1)).toEqual({ tabId: 1, state: 'available', title: '〔toolbarTitle_available〕' });
    s.core.onCommitted(1, `${ORIGIN}/elsewhere`);
    s.core.refreshIndicator(1);
    expect(s.port.states.at(-1)?.title).toBe('〔toolbarTitle_available〕');
  });

  it('a commit re-applies the tab\'s state at once (the browser has just cleared its toolbar values)', async () => {
    const s = await setup();
    const first = s.server.handle(undefined);
    await s.core.onObservedResponse({ tabId: 1, url: `${ORIGIN}/`, statusCode: first.status, type: 'main_frame', headers: entries(first) });
    const before = s.port.states.length;
    s.core.onCommitted(1, `${ORIGIN}/`);
    expect(s.port.states.length).toBe(before + 1);
    expect(s.port.states.at(-1)).toMatchObject({ tabId: 1, state: 'available' });
    s.core.onCommitted(1, `${ORIGIN}/other`);
    expect(s.port.states.length).toBe(before + 2);
  });

  it('the English catalogue gives the English titles', async () => {
    const s = await setup();
    const first = s.server.handle(undefined);
    await s.core.onObservedResponse({ tabId: 1, url: `${ORIGIN}/`, statusCode: first.status, type: 'main_frame', headers: entries(first) });
    expect(s.port.states.at(-1)?.title).toBe('Mutual: you can log in to this site');
  });

  it('a served page is in the UI language, with its `lang`, and escapes what the catalogue says', () => {
    const html = new TextDecoder().decode(servedPage((k) => (k === 'lang' ? 'ja' : `<b>${k}</b> & "x"`), 'serverError'));
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain('<title>&#60;b&#62;pageServerError_title&#60;/b&#62; &#38; &#34;x&#34;</title>');
    expect(html).toContain('pageServerError_body');
    expect(html).not.toContain('<b>');
    const checking = new TextDecoder().decode(servedPage(marked, 'checking'));
    expect(checking).toContain('〔pageChecking_title〕');
    expect(checking).toContain('〔pageChecking_body〕');
  });
});
