/**
 * The page that replaces a document whose server failed to prove itself (issue 9): the site's address (the
 * address bar shows this extension page, not the site), plain words, advice that works from here, and three
 * buttons — Back, Close tab, Try again (loads the site's original URL again, not this page). The technical
 * details are folded away.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { ask } from '../shared/ask.ts';
import { localizePage, t } from '../shared/i18n.ts';
import type { TabStatusView } from '../shared/messages.ts';
import { textForCode } from './failure.tsx';
import { pageApi, tabParam } from './page-api.ts';

function Warning(props: { tabId?: number }): JSX.Element {
  const [status, setStatus] = useState<TabStatusView | undefined>();
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    void ask('tab-status', props.tabId === undefined ? {} : { tabId: props.tabId }).then((r) => {
      if (r.ok) setStatus(r.value);
      setLoaded(true);
    });
  }, [props.tabId]);
  const f = status?.lastFailure;
  const original = f !== undefined && /^https?:/i.test(f.url) ? f.url : undefined;
  const back = () => history.back();
  const closeTab = async () => {
    const api = pageApi();
    const id = props.tabId ?? (await api.tabs.getCurrent().catch(() => undefined))?.id;
    if (id !== undefined) await api.tabs.remove(id).catch(() => window.close());
    else window.close();
  };
  const tryAgain = () => {
    if (original !== undefined) location.assign(original);
  };
  return (
    <main class="warning" data-testid="warning" aria-busy={!loaded}>
      <h1>{t('warningTitle')}</h1>
      <p class="site-url" data-testid="warning-url">
        <span class="label">{t('warningSite')}</span> <strong>{original ?? f?.host ?? t('warningUnknownSite')}</strong>
      </p>
      <p data-testid="warning-host">{t('warningBody', f?.host ?? t('warningUnknownSite'))}</p>
      <h2>{t('warningWhatToDo')}</h2>
      <ul>
        <li>{t('warningDo1')}</li>
        <li>{t('warningDo2')}</li>
        <li>{t('warningDo3')}</li>
      </ul>
      <div class="buttons">
        <button type="button" class="primary" onClick={back} disabled={history.length <= 1}>{t('back')}</button>
        <button type="button" onClick={() => void closeTab()}>{t('closeTab')}</button>
        <button type="button" onClick={tryAgain} disabled={original === undefined}>{t('tryAgain')}</button>
      </div>
      {f && (
        <details class="tech" data-testid="warning-problem">
          <summary>{t('details')}</summary>
          {textForCode(f.code) !== undefined && <p data-testid="warning-reason">{textForCode(f.code)}</p>}
          <p class="tech-message" data-testid="warning-detail">{f.message}</p>
          <p><code>{f.code}</code></p>
          <p>{t('warningWhen', new Date(f.at).toLocaleString())}</p>
        </details>
      )}
    </main>
  );
}

const tabId = tabParam();
localizePage('warningTitle');
const app = document.getElementById('app');
if (app) render(<Warning {...(tabId !== undefined ? { tabId } : {})} />, app);
