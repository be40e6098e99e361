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

void show();
