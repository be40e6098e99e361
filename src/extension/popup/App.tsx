/**
 * The toolbar popup and the login UI (issue 9), shared by the action popup and the extension page
 * `pages/login.html?tab=<tabId>`: what this tab's site proved (or failed to prove), the login form when the
 * site asks, and the other sessions. It only ever sees status views — never keys, never pi.
 *
 * After a server failed to prove itself on this tab, the failure leads and no login form shows until the
 * user explicitly chooses "Try again anyway". Opened in a tab of its own without `?tab=`, it reports on no
 * tab (not on itself).
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { ask } from '../shared/ask.ts';
import { displayHost, t } from '../shared/i18n.ts';
import type { LoginView, SessionView, TabStatusView } from '../shared/messages.ts';
import { Problem, TechFacts } from '../pages/failure.tsx';
import { pageApi } from '../pages/page-api.ts';
import { HostPermissionStep } from '../pages/host-permission.tsx';
import { LoginForm } from './LoginForm.tsx';

function when(ms: number | undefined): string {
  return ms === undefined ? '—' : new Date(ms).toLocaleString();
}

/** The server failed to prove itself on this tab: say so first, plainly; logging in again is a deliberate step. */
function FailedLead(props: { status: TabStatusView; onTryAnyway: () => void; tryingAnyway: boolean }): JSX.Element {
  const f = props.status.lastFailure;
  const host = f?.host ?? props.status.host ?? '—';
  return (
    <section class="site state-failed" data-testid="site-status" data-state="failed" aria-labelledby="failed-title">
      <div role="alert">
        <h2 id="failed-title">{t('failedTitle')}</h2>
        <p class="host-line" data-testid="failed-host">{host}</p>
        <p>{t('failedAdvice')}</p>
        {f && <Problem code={f.code} message={f.message} testid="last-failure" />}
      </div>
      {!props.tryingAnyway && (
        <div class="buttons">
          <button type="button" onClick={props.onTryAnyway}>{t('tryAgainAnyway')}</button>
        </div>
      )}
    </section>
  );
}

function SiteStatus(props: { status: TabStatusView; onLogout: (key: string) => void }): JSX.Element {
  const { status } = props;
  const s = status.session;
  const verified = status.state === 'verified';
  return (
    <section class={`site state-${status.state}`} data-testid="site-status" data-state={status.state} aria-labelledby="site-title">
      <h2 id="site-title">{t(status.state === 'available' ? 'state_available' : status.state === 'verified' ? 'state_verified' : 'state_none')}</h2>
      {status.host !== undefined && <p class="host-line" data-testid="site-host">{status.host}</p>}
      {verified && s && (
        <p class="who" data-testid="status-user">{t('signedInAs', s.username, s.realm)}</p>
      )}
      {verified && (
        <dl class="facts">
          <dt>{t('requestsVerified')}</dt><dd data-testid="requests-verified">{status.requestsVerified}</dd>
          {s && <><dt>{t('verifiedSince')}</dt><dd>{when(s.verifiedSince)}</dd></>}
        </dl>
      )}
      {verified && s && <TechFacts {...s} />}
      {status.lastFailure?.kind === 'declined' && (
        <Problem code={status.lastFailure.code} message={status.lastFailure.message} lead={t('declinedLead')} testid="last-failure" />
      )}
      {s?.active && (
        <div class="buttons">
          {/* The one Log out for this site; it always forgets the key too. */}
          <button type="button" class="primary" onClick={() => props.onLogout(s.key)}>{t('logOut')}</button>
        </div>
      )}
    </section>
  );
}

/** Sessions on other sites: only sessions whose server proved itself at least once (a failed login is no session). */
function OtherSessions(props: { sessions: SessionView[]; onLogout: (key: string) => void }): JSX.Element | null {
  if (props.sessions.length === 0) return null;
  return (
    <section class="sessions" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t('otherSessions')}</h2>
      <ul>
        {props.sessions.map((s) => (
          <li key={s.key} data-testid="session">
            <span class="session-text">
              <strong>{displayHost(s.server)}</strong> — {t('signedInAs', s.username, s.realm)}{' '}
              <span class={s.active ? 'tag ok' : 'tag'}>{s.active ? t('active') : t('inactive')}</span>
            </span>
            {s.active && (
              <button type="button" class="small" aria-label={t('logOutOf', displayHost(s.server))} onClick={() => props.onLogout(s.key)}>
                {t('logOut')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Nothing to report here: what Mutual is, and how a verified site looks. */
function EmptyState(props: { phrase: string | undefined }): JSX.Element {
  return (
    <section class="empty" data-testid="empty-state" aria-labelledby="empty-title">
      <h2 id="empty-title">{t('emptyTitle')}</h2>
      <p>{t('emptyWhat')}</p>
      <p>{t('emptyHowToTell')}</p>
      {props.phrase !== undefined && props.phrase !== '' && (
        <p class="phrase"><span class="phrase-label">{t('yourPhrase')}</span> <strong class="phrase-text">{props.phrase}</strong></p>
      )}
    </section>
  );
}

type Target = { kind: 'tab'; tabId: number } | { kind: 'active' } | { kind: 'none' };

export function App(props: { tabId?: number; closeAfterLogin: boolean }): JSX.Element {
  const [target, setTarget] = useState<Target | undefined>(props.tabId !== undefined ? { kind: 'tab', tabId: props.tabId } : undefined);
  const [status, setStatus] = useState<TabStatusView | undefined>();
  const [sessions, setSessions] = useState<SessionView[]>([]);
  const [error, setError] = useState<{ code: string; message: string } | undefined>();
  const [showOffer, setShowOffer] = useState(false);
  const [tryAnyway, setTryAnyway] = useState(false);
  const [phrase, setPhrase] = useState<string | undefined>();

  // Opened as a page in a tab without ?tab=: the "current tab" is this page itself — report on no tab.
  useEffect(() => {
    void ask('get-phrase', {}).then((r) => {
      if (r.ok) setPhrase(r.value.phrase);
    });
    if (target !== undefined) return;
    void pageApi().tabs.getCurrent().then(
      (tab) => setTarget(tab === undefined ? { kind: 'active' } : { kind: 'none' }),
      () => setTarget({ kind: 'active' }),
    );
  }, []);

  const refresh = useCallback(async () => {
    if (target === undefined) return;
    if (target.kind !== 'none') {
      const st = await ask('tab-status', target.kind === 'tab' ? { tabId: target.tabId } : {});
      if (st.ok) {
        // The popup must not report on an extension page (its own tab, the warning page reports itself).
        const own = st.value.url?.startsWith(location.origin) === true && st.value.state !== 'failed';
        setStatus(own ? undefined : st.value);
        setError(undefined);
      } else setError({ code: st.code, message: st.message });
    }
    const ss = await ask('sessions', {});
    if (ss.ok) setSessions(ss.value.filter((s) => s.verifiedSince !== undefined));
  }, [target]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), 1500);
    return () => clearInterval(timer);
  }, [refresh]);

  const logout = async (key: string) => {
    const tabId = status?.tabId;
    const r = await ask('logout', tabId === undefined ? { key } : { key, tabId });
    if (!r.ok) setError({ code: r.code, message: r.message });
    await refresh();
  };

  const failed = status?.state === 'failed';
  const login: LoginView | undefined = status?.login;
  const tryAgainAnyway = () => {
    setTryAnyway(true);
    // No login waiting (the tab shows the warning page): load the site's page again, deliberately.
    const url = status?.lastFailure?.url;
    if (!login && status && url !== undefined && /^https?:/i.test(url)) void pageApi().tabs.update(status.tabId, { url }).catch(() => undefined);
  };
  const formAllowed = !failed || tryAnyway;
  const showForm = login !== undefined && formAllowed && (!login.optional || showOffer);
  const otherSessions = sessions.filter((s) => s.key !== status?.session?.key);
  const nothing = (status === undefined || status.state === 'none') && !login && otherSessions.length === 0;
  return (
    <main class="popup">
      <h1 class="brand">{t('extName')}</h1>
      {error !== undefined && <div class="error" role="alert"><Problem code={error.code} message={error.message} /></div>}
      <HostPermissionStep compact />
      {status && failed && <FailedLead status={status} onTryAnyway={tryAgainAnyway} tryingAnyway={tryAnyway} />}
      {login && showForm && (
        // A new form only when the login is another one (site, realm): a background update (a failed attempt
        // turning the reason into 'auth-failed', a refresh) must not reset what the user typed, focus or error.
        <LoginForm key={JSON.stringify([login.tabId, login.server, login.authScope, login.realm, login.algorithm])}
          login={login} phrase={phrase} onDone={() => void refresh()} closeAfter={props.closeAfterLogin} />
      )}
      {login && formAllowed && !showForm && (
        <p class="offer">
          {t('loginAvailable', login.realm)}{' '}
          <button type="button" class="primary" onClick={() => setShowOffer(true)}>{t('logIn')}</button>
        </p>
      )}
      {status && !failed && status.state !== 'none' && !(showForm && status.state === 'available') && <SiteStatus status={status} onLogout={(k) => void logout(k)} />}
      {status && status.state === 'none' && status.host !== undefined && (
        <p class="site-none" data-testid="site-status" data-state="none">{t('noMutualHere', status.host)}</p>
      )}
      {nothing && target !== undefined && <EmptyState phrase={phrase} />}
      <OtherSessions sessions={otherSessions} onLogout={(k) => void logout(k)} />
      <nav class="links" aria-label={t('moreLinks')}>
        <a href="../pages/options.html" target="_blank">{t('optionsShort')}</a>
        <a href="../pages/onboarding.html" target="_blank">{t('howItWorks')}</a>
      </nav>
    </main>
  );
}
