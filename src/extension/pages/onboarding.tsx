/**
 * The first-run page, opened once on install (issue 9): what the extension does, the user's personal phrase
 * and how to change it, how to pin the toolbar icon (the one status no page can forge), and — where the browser
 * has not granted the host permissions (Firefox asks separately) — the step that grants them. That section
 * (host-permission.tsx, shared with the popup) shows only while they are missing.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { ask } from '../shared/ask.ts';
import { localizePage, t, type MessageKey } from '../shared/i18n.ts';
import { HostPermissionStep } from './host-permission.tsx';

/** Drawing of a browser toolbar: the Extensions (puzzle) menu opened, with the pin next to "Mutual authentication". */
function PinPicture(): JSX.Element {
  return (
    <svg class="pin-picture" viewBox="0 0 420 140" role="img" aria-labelledby="pin-picture-title" data-testid="pin-picture">
      <title id="pin-picture-title">{t('pinPictureAlt')}</title>
      <rect x="1" y="1" width="418" height="40" rx="6" fill="#f1f3f4" stroke="#c7c7c7" />
      <rect x="12" y="10" width="250" height="22" rx="11" fill="#fff" stroke="#d0d0d0" />
      <text x="26" y="26" font-size="12" fill="#555">https://example.com/</text>
      {/* the puzzle-piece Extensions button, highlighted */}
      <circle cx="330" cy="21" r="14" fill="#d2e3fc" stroke="#1a73e8" stroke-width="2" />
      <path d="M324 16h4a3 3 0 0 1 6 0h4v5a3 3 0 0 1 0 6v5h-14z" fill="#1a73e8" />
      {/* where the pinned icon appears */}
      <image href="../icons/verified-32.png" x="358" y="9" width="24" height="24" />
      {/* the opened menu */}
      <rect x="170" y="48" width="240" height="84" rx="8" fill="#fff" stroke="#c7c7c7" />
      <text x="184" y="72" font-size="13" font-weight="bold" fill="#1b1b1b">{t('pinPictureMenu')}</text>
      <rect x="178" y="86" width="224" height="34" rx="6" fill="#e8f0fe" />
      <image href="../icons/none-32.png" x="186" y="92" width="22" height="22" />
      <text x="216" y="108" font-size="13" fill="#1b1b1b">{t('extName')}</text>
      {/* the pin */}
      <g transform="translate(378 94)">
        <circle cx="8" cy="9" r="13" fill="#fff" stroke="#1a73e8" stroke-width="2" />
        <path d="M4 3h8l-1 6 3 3H2l3-3zM8 12v7" stroke="#1a73e8" stroke-width="2" fill="#1a73e8" />
      </g>
      <path d="M330 38 L330 84" stroke="#1a73e8" stroke-width="2" stroke-dasharray="4 3" />
    </svg>
  );
}

const STATES: ReadonlyArray<{ icon: string; key: MessageKey }> = [
  { icon: 'verified', key: 'legendVerified' },
  { icon: 'available', key: 'legendAvailable' },
  { icon: 'failed', key: 'legendFailed' },
  { icon: 'none', key: 'legendNone' },
];

function Onboarding(): JSX.Element {
  const [phrase, setPhrase] = useState<string | undefined>();
  useEffect(() => {
    void ask('get-phrase', {}).then((r) => {
      if (r.ok) setPhrase(r.value.phrase);
    });
  }, []);
  return (
    <main class="page onboarding" data-testid="onboarding">
      <h1>{t('onboardingTitle')}</h1>
      <p class="lead">{t('onboardingWhat')}</p>
      <HostPermissionStep />
      <section class="card" aria-labelledby="phrase-title">
        <h2 id="phrase-title">{t('onboardingPhraseTitle')}</h2>
        <p class="phrase big" data-testid="onboarding-phrase">{phrase ?? '…'}</p>
        <p>{t('onboardingPhraseWhy')}</p>
        <p>{t('onboardingPhraseChange')} <a href="./options.html">{t('optionsTitle')}</a></p>
      </section>
      <section class="card" aria-labelledby="pin-title">
        <h2 id="pin-title">{t('onboardingPinTitle')}</h2>
        <p>{t('onboardingPinWhy')}</p>
        <PinPicture />
        <ol>
          <li>{t('onboardingPin1')}</li>
          <li>{t('onboardingPin2')}</li>
        </ol>
        <h3>{t('legendTitle')}</h3>
        <ul class="legend">
          {STATES.map((s) => (
            <li key={s.icon}><img src={`../icons/${s.icon}-32.png`} width={24} height={24} alt="" /> {t(s.key)}</li>
          ))}
        </ul>
      </section>
      <section class="card" aria-labelledby="try-title">
        <h2 id="try-title">{t('onboardingTryTitle')}</h2>
        <p>{t('onboardingTry')}</p>
      </section>
    </main>
  );
}

localizePage('onboardingTitle');
const app = document.getElementById('app');
if (app) render(<Onboarding />, app);
