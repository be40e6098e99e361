/**
 * The in-page indicator on verified pages (issue 4): a small, dismissable box in a *closed* shadow root.
 * The personal phrase — the one thing a page cannot forge — is never put into the page's DOM: the box is a
 * frame of an extension page (pages/indicator.html, web-accessible) that asks the background itself.
 * (Not with `use_dynamic_url`: measured in Chromium 156, a dynamic-URL extension frame makes chrome.debugger
 * detach the tab with "target_closed", which would end interception.) A page script cannot read a cross-origin frame (not even with window.find, which does
 * search closed shadow roots), so it cannot learn the phrase to fake the box elsewhere. This content script
 * only learns whether its own document may show the box.
 */
import { webext } from '../shared/webext.ts';
import { ask } from '../shared/ask.ts';
import { t } from '../shared/i18n.ts';

let shown = false;
let asking: Promise<void> | undefined;

/** One question at a time: each answer's frame token replaces the previous one in the background. */
function show(): Promise<void> {
  asking ??= showOnce().finally(() => {
    asking = undefined;
  });
  return asking;
}

async function showOnce(): Promise<void> {
  if (shown) return;
  // Ask for a frame token: the indicator frame proves with it that it is this (top, verified) document's own.
  const r = await ask('indicator', { frame: true });
  if (!r.ok || !r.value.show || r.value.frameToken === undefined || shown) return;
  shown = true;
  const host = document.createElement('div');
  host.style.cssText = 'all:initial !important;position:fixed !important;right:12px !important;bottom:12px !important;z-index:2147483647 !important;';
  const root = host.attachShadow({ mode: 'closed' });
  const style = document.createElement('style');
  style.textContent = `.wrap{position:relative;width:340px;height:92px}
    iframe{border:0;width:340px;height:92px;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.25);background:#e8f5e9;color-scheme:light}
    button{position:absolute;top:4px;right:6px;border:0;background:none;font:16px system-ui,sans-serif;cursor:pointer;color:#1b5e20}`;
  const wrap = document.createElement('div');
  wrap.className = 'wrap';
  const frame = document.createElement('iframe');
  frame.src = `${webext().runtime.getURL('pages/indicator.html')}#${r.value.frameToken}`;
  frame.title = t('indicatorVerified');
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = '\u00d7';
  close.setAttribute('aria-label', t('dismiss'));
  close.addEventListener('click', () => host.remove());
  wrap.append(frame, close);
  root.append(style, wrap);
  document.documentElement.append(host);
}

/**
 * Keep the background reachable on Mutual pages: a service worker stopped while requests of the tab are
 * paused in CDP Fetch is not woken by the debugger's events (measured), but a message wakes it, and on start
 * it recovers the stuck load (issue 4, "must show" 4). Cheap: one status question a second while this page
 * loads or unloads, every two seconds once loaded — and none at all on pages that are not Mutual pages once
 * they have loaded (whatever the period).
 */
function keepAwake(): void {
  let timer: ReturnType<typeof setInterval> | undefined;
  let period = 0;
  const every = (ms: number) => {
    if (timer !== undefined && period === ms) return;
    if (timer !== undefined) clearInterval(timer);
    period = ms;
    timer = setInterval(() => {
      void ask('indicator', {}).then((r) => {
        if (r.ok && r.value.show) void show();
        // Off Mutual pages, stop asking once the page has loaded.
        if (r.ok && !r.value.show && document.readyState === 'complete') {
          clearInterval(timer);
          timer = undefined;
        }
      });
    }, ms);
  };
  every(1000);
  window.addEventListener('load', () => every(2000), { once: true });
  window.addEventListener('beforeunload', () => every(1000));
  const nav = (globalThis as { navigation?: EventTarget }).navigation;
  nav?.addEventListener('navigate', () => every(1000));
}

keepAwake();
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void show(), { once: true });
else void show();
