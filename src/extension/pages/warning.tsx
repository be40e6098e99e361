/** The page that replaces a document whose server failed to prove itself (issue 4): plain words, then details. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { ask } from '../shared/ask.ts';
import { t } from '../shared/i18n.ts';
import type { TabStatusView } from '../shared/messages.ts';

function Warning(props: { tabId?: number }): JSX.Element {
  const [status, setStatus] = useState<TabStatusView | undefined>();
  useEffect(() => {
    void ask('tab-status', props.tabId === undefined ? {} : { tabId: props.tabId }).then((r) => {
      if (r.ok) setStatus(r.value);
    });
  }, [props.tabId]);
  const f = status?.lastFailure;
  return (
    <main class="warning" data-testid="warning">
      <h1>{t('warningTitle')}</h1>
      <p data-testid="warning-host">{t('warningBody', f?.host ?? '?')}</p>
      <h2>{t('warningWhatToDo')}</h2>
      <ul>
        <li>{t('warningDo1')}</li>
        <li>{t('warningDo2')}</li>
        <li>{t('warningDo3')}</li>
      </ul>
      {f && (
        <details open>
          <summary>{t('details')}</summary>
          <p data-testid="warning-detail">{f.message}</p>
          <p><code>{f.code}</code> — {f.url} — {new Date(f.at).toLocaleString()}</p>
        </details>
      )}
    </main>
  );
}

const raw = new URLSearchParams(location.search).get('tab');
const tabId = raw !== null && /^[0-9]+$/.test(raw) ? Number(raw) : undefined;
document.title = t('warningTitle');
const app = document.getElementById('app');
if (app) render(<Warning {...(tabId !== undefined ? { tabId } : {})} />, app);
