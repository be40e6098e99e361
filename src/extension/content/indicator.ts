/**
 * The in-page indicator on verified tabs (issue 4): a small, dismissable box in a *closed* shadow root, so
 * page scripts cannot read or restyle it, showing the user's personal phrase — the one thing a page cannot
 * forge. It asks the background for its own tab's status only (content scripts get nothing else).
 */
import { ask } from '../shared/ask.ts';
import { t } from '../shared/i18n.ts';

async function show(): Promise<void> {
  const r = await ask('indicator', {});
  if (!r.ok || !r.value.show) return;
  const v = r.value;
  const host = document.createElement('div');
  host.setAttribute('data-mutual-indicator', '');
  host.style.cssText = 'all:initial;position:fixed;right:12px;bottom:12px;z-index:2147483647;';
  const root = host.attachShadow({ mode: 'closed' });
  const style = document.createElement('style');
  style.textContent = `.box{font:13px/1.35 system-ui,sans-serif;background:#e8f5e9;color:#1b5e20;border:2px solid #2e7d32;
    border-radius:8px;padding:8px 28px 8px 10px;box-shadow:0 2px 8px rgba(0,0,0,.25);max-width:320px;position:relative}
    .t{font-weight:700}.p{margin-top:4px;font-style:italic;color:#0b3d0e}
    button{position:absolute;top:4px;right:4px;border:0;background:none;font-size:16px;cursor:pointer;color:#1b5e20}`;
  const box = document.createElement('div');
  box.className = 'box';
  box.setAttribute('role', 'status');
  const title = document.createElement('div');
  title.className = 't';
  title.textContent = t('indicatorVerified');
  const who = document.createElement('div');
  who.textContent = `${v.host ?? ''} — ${v.realm ?? ''} — ${v.username ?? ''}`;
  const phrase = document.createElement('div');
  phrase.className = 'p';
  phrase.textContent = v.phrase ?? '';
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = '\u00d7';
  close.setAttribute('aria-label', t('dismiss'));
  close.addEventListener('click', () => host.remove());
  box.append(title, who, phrase, close);
  root.append(style, box);
  document.documentElement.append(host);
}

/**
 * Keep the background reachable on Mutual pages: a service worker stopped while requests of the tab are
 * paused in CDP Fetch is not woken by the debugger's events (measured), but a message wakes it, and on start
 * it recovers the stuck load (issue 4, "must show" 4). Cheap: one status question a second while this page
 * loads or unloads, every two seconds while it is verified (the debugger keeps the worker alive anyway).
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
        // Off Mutual pages, stop asking once the page has loaded.
        if (r.ok && !r.value.show && document.readyState === 'complete' && period === 2000) {
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
