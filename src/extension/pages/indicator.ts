/**
 * The inside of the in-page indicator: an extension page framed by the content script (content/indicator.ts).
 * It asks the background for its tab's verified status, with the personal phrase — which therefore lives only
 * in this cross-origin frame, out of reach of the page around it.
 */
import { ask } from '../shared/ask.ts';
import { localizePage, t } from '../shared/i18n.ts';

async function render(): Promise<void> {
  localizePage('indicatorVerified');
  // The one-time token the top frame's content script put in this frame's URL (docs/threat-model.md R5).
  const token = location.hash.slice(1);
  history.replaceState(null, '', location.pathname);
  const r = await ask('indicator-frame', token === '' ? {} : { token });
  const box = document.querySelector<HTMLElement>('.box');
  if (!box || !r.ok || !r.value.show) return;
  const v = r.value;
  box.querySelector('.t')!.textContent = t('indicatorVerified');
  box.querySelector('.who')!.textContent = t('signedInAs', v.username ?? '', v.realm ?? '');
  box.querySelector('.host')!.textContent = v.host ?? '';
  box.querySelector('.p')!.textContent = v.phrase ?? '';
  box.hidden = false;
}

void render();
