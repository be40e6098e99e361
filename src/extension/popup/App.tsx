/**
 * The login UI and per-site trust status (issue 4), shared by the action popup and the extension page
 * `pages/login.html?tab=<tabId>`. It only ever sees status views: never keys, never pi; the password goes
 * straight to the background in one message and is cleared from the form.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { ask } from '../shared/ask.ts';
import { t } from '../shared/i18n.ts';
import type { LoginView, SessionView, TabStatusView } from '../shared/messages.ts';

const REASON_KEY: Record<LoginView['reason'], string> = {
  initial: 'reasonInitial',
  'auth-failed': 'reasonAuthFailed',
  'session-expired': 'reasonSessionExpired',
  'reauth-needed': 'reasonReauth',
  optional: 'reasonOptional',
};

function when(ms: number | undefined): string {
  return ms === undefined ? '—' : new Date(ms).toLocaleString();
}

export function LoginForm(props: { login: LoginView; onDone: () => void; closeAfter: boolean }): JSX.Element {
  const { login } = props;
  const [username, setUsername] = useState(login.username ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(login.reason === 'auth-failed' ? t('reasonAuthFailed') : undefined);
  const [done, setDone] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    const pw = password;
    setPassword('');
    // Name the login this form showed: the background refuses it if the tab asks for another one by now.
    const r = await ask('login', {
      tabId: login.tabId, username, password: pw, server: login.server, realm: login.realm, algorithm: login.algorithm, authScope: login.authScope,
    });
    setBusy(false);
    if (!r.ok) {
      setError(r.message);
      return;
    }
    const v = r.value;
    if (v.result === 'verified') {
      setDone(true);
      props.onDone();
      if (props.closeAfter) setTimeout(() => window.close(), 800);
      return;
    }
    setError(v.result === 'wrong-credentials' ? `${t('wrongCredentials')} ${v.message}` : v.message);
    if (v.result === 'server-failed') props.onDone();
  };

  const cancel = async () => {
    await ask('cancel-login', { tabId: login.tabId });
    props.onDone();
    if (props.closeAfter) window.close();
  };

  if (done) return <p class="ok" role="status" data-testid="login-done">{t('state_verified')}</p>;
  return (
    <form class="login" onSubmit={submit} aria-label={t('loginTitle')}>
      <h2>{t('loginTitle')}</h2>
      <dl class="facts">
        <dt>{t('host')}</dt><dd data-testid="login-host">{login.host}</dd>
        <dt>{t('realm')}</dt><dd data-testid="login-realm">{login.realm}</dd>
        <dt>{t('algorithm')}</dt><dd>{login.algorithm}</dd>
        <dt>{t('validation')}</dt><dd>{login.validation}</dd>
      </dl>
      <p class="why" data-testid="login-reason">{t(REASON_KEY[login.reason])}</p>
      <label>
        {t('username')}
        <input name="username" autocomplete="username" value={username} required
          onInput={(e) => setUsername((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label>
        {t('password')}
        <input name="password" type="password" autocomplete="current-password" value={password}
          onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} />
      </label>
      {error !== undefined && <p class="error" role="alert" data-testid="login-error">{error}</p>}
      {busy && <p class="progress" role="status" data-testid="login-progress"><progress />{t('deriving')}</p>}
      <div class="buttons">
        <button type="submit" disabled={busy}>{t('logIn')}</button>
        <button type="button" onClick={cancel} disabled={busy}>{t('cancel')}</button>
      </div>
    </form>
  );
}

function SiteStatus(props: { status: TabStatusView; onLogout: (key: string) => void }): JSX.Element {
  const { status } = props;
  const s = status.session;
  return (
    <section class={`site state-${status.state}`} data-testid="site-status" data-state={status.state}>
      <h2>{t(`state_${status.state}`)}</h2>
      <dl class="facts">
        <dt>{t('host')}</dt><dd>{status.host ?? '—'}</dd>
        {s && <><dt>{t('realm')}</dt><dd>{s.realm}</dd></>}
        {s && <><dt>{t('user')}</dt><dd data-testid="status-user">{s.username}</dd></>}
        {s && <><dt>{t('algorithm')}</dt><dd>{s.algorithm}</dd></>}
        {s && <><dt>{t('validation')}</dt><dd>{s.validation}</dd></>}
        {s && <><dt>{t('verifiedSince')}</dt><dd>{when(s.verifiedSince)}</dd></>}
        <dt>{t('requestsVerified')}</dt><dd data-testid="requests-verified">{status.requestsVerified}</dd>
        {status.lastFailure && <><dt>{t('lastFailure')}</dt><dd class="error" data-testid="last-failure">{status.lastFailure.message}</dd></>}
      </dl>
      {s?.active && (
        <div class="buttons">
          {/* Log out always forgets the key too (nothing keeps it for a later one-click login). */}
          <button type="button" onClick={() => props.onLogout(s.key)}>{t('logOut')}</button>
        </div>
      )}
    </section>
  );
}

function SessionsList(props: { sessions: SessionView[]; onLogout: (key: string) => void }): JSX.Element {
  return (
    <section class="sessions">
      <h2>{t('sessions')}</h2>
      {props.sessions.length === 0 ? <p>{t('noSessions')}</p> : (
        <ul>
          {props.sessions.map((s) => (
            <li key={s.key} data-testid="session">
              <span>{s.server} — {s.realm} — {s.username} — {s.active ? t('active') : t('inactive')}</span>
              {s.active && <button type="button" onClick={() => props.onLogout(s.key)}>{t('logOut')}</button>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function App(props: { tabId?: number; closeAfterLogin: boolean }): JSX.Element {
  const [tabId, setTabId] = useState<number | undefined>(props.tabId);
  const [status, setStatus] = useState<TabStatusView | undefined>();
  const [sessions, setSessions] = useState<SessionView[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [showOffer, setShowOffer] = useState(false);

  const refresh = useCallback(async () => {
    const st = await ask('tab-status', tabId === undefined ? {} : { tabId });
    if (st.ok) {
      setStatus(st.value);
      if (tabId === undefined) setTabId(st.value.tabId);
    } else setError(st.message);
    const ss = await ask('sessions', {});
    if (ss.ok) setSessions(ss.value);
  }, [tabId]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), 1500);
    return () => clearInterval(timer);
  }, [refresh]);

  const logout = async (key: string) => {
    const r = await ask('logout', tabId === undefined ? { key } : { key, tabId });
    if (!r.ok) setError(r.message);
    await refresh();
  };

  const login = status?.login;
  const showForm = login !== undefined && (!login.optional || showOffer);
  return (
    <main>
      <h1>{t('extName')}</h1>
      {error !== undefined && <p class="error" role="alert">{error}</p>}
      {login && showForm && (
        // A new form (typed fields cleared) whenever the login changes — another host included.
        <LoginForm key={JSON.stringify([login.tabId, login.server, login.authScope, login.realm, login.algorithm, login.reason])}
          login={login} onDone={() => void refresh()} closeAfter={props.closeAfterLogin} />
      )}
      {login && !showForm && (
        <p class="offer">
          {t('loginAvailable', login.realm)}{' '}
          <button type="button" onClick={() => setShowOffer(true)}>{t('logIn')}</button>
        </p>
      )}
      {status && <SiteStatus status={status} onLogout={(k) => void logout(k)} />}
      <SessionsList sessions={sessions} onLogout={(k) => void logout(k)} />
      <p class="links"><a href="../pages/options.html" target="_blank">{t('optionsTitle')}</a></p>
    </main>
  );
}
