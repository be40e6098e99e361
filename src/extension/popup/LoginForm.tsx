/**
 * The login form (issue 9): the site's host as its largest line, then the realm and why it asks, the frame
 * that asked when it is not the site itself, and the user's personal phrase — which a look-alike drawn by a
 * page cannot show. Focus starts in Username (Password when the username is known); one error line; the
 * form keeps what was typed, its focus and its error while the background updates the login (the caller
 * keys it by server and realm only). The password goes to the background in one message and is cleared.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { ask } from '../shared/ask.ts';
import { t, type MessageKey } from '../shared/i18n.ts';
import type { LoginView } from '../shared/messages.ts';
import { loginProblem, Problem, TechFacts, type ShownProblem } from '../pages/failure.tsx';

const REASON_KEY: Record<LoginView['reason'], MessageKey> = {
  initial: 'reasonInitial',
  'auth-failed': 'reasonInitial',
  'session-expired': 'reasonSessionExpired',
  'reauth-needed': 'reasonReauth',
  optional: 'reasonOptional',
};

export function LoginForm(props: { login: LoginView; phrase: string | undefined; onDone: () => void; closeAfter: boolean }): JSX.Element {
  const { login } = props;
  const [username, setUsername] = useState(login.username ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownProblem | undefined>(
    login.reason === 'auth-failed' ? { lead: t('wrongCredentials'), message: '' } : undefined,
  );
  const [done, setDone] = useState(false);
  const userRef = useRef<HTMLInputElement>(null);
  const passRef = useRef<HTMLInputElement>(null);

  // Focus once, when the form first shows: Password if the username is known, else Username.
  useEffect(() => {
    (username !== '' ? passRef.current : userRef.current)?.focus();
  }, []);

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
      setError({ code: r.code, message: r.message });
      return;
    }
    const v = r.value;
    if (v.result === 'verified') {
      setDone(true);
      props.onDone();
      if (props.closeAfter) setTimeout(() => window.close(), 800);
      return;
    }
    if (v.result === 'wrong-credentials') {
      // Over HTTPS a wrong password and a relay with another certificate look the same to the server: say both.
      const channel = v.code === 'ERR_LOGIN_WRONG_CREDENTIALS_TLS';
      setError({ lead: channel ? `${t('wrongCredentials')} ${t('wrongCredentialsChannel')}` : t('wrongCredentials'), message: channel ? v.message : '' });
      // Keep the username; the password field is where the user types next.
      setTimeout(() => passRef.current?.focus(), 0);
    } else {
      setError(loginProblem(v));
      if (v.result === 'server-failed') props.onDone();
    }
  };

  const cancel = async () => {
    await ask('cancel-login', { tabId: login.tabId });
    props.onDone();
    if (props.closeAfter) window.close();
  };

  if (done) return <p class="ok" role="status" data-testid="login-done">{t('loginDone')}</p>;
  return (
    <form class="login" onSubmit={submit} aria-labelledby="login-host" data-testid="login-form">
      <p class="eyebrow">{t('loginTo')}</p>
      <h2 class="host-line" id="login-host" data-testid="login-host">{login.host}</h2>
      <p class="realm-line" data-testid="login-realm">{t('loginRealm', login.realm)}</p>
      <p class="why" data-testid="login-reason">{t(REASON_KEY[login.reason])}</p>
      {login.askedBy !== undefined && <p class="asked-by" data-testid="login-asked-by">{t('askedBy', login.askedBy)}</p>}
      {props.phrase !== undefined && props.phrase !== '' && (
        <p class="phrase" data-testid="login-phrase">
          <span class="phrase-label">{t('yourPhrase')}</span> <strong class="phrase-text">{props.phrase}</strong>
          <span class="hint">{t('phraseLoginHint')}</span>
        </p>
      )}
      <label>
        {t('username')}
        <input ref={userRef} name="username" autocomplete="username" value={username} required
          onInput={(e) => setUsername((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label>
        {t('password')}
        <input ref={passRef} name="password" type="password" autocomplete="current-password" value={password}
          onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} />
      </label>
      {error !== undefined && (
        <div class="error" role="alert" data-testid="login-error">
          <Problem {...error} />
        </div>
      )}
      {busy && <p class="progress" role="status" data-testid="login-progress"><progress aria-label={t('deriving')} />{t('deriving')}</p>}
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy}>{t('logIn')}</button>
        <button type="button" onClick={cancel} disabled={busy}>{t('cancel')}</button>
      </div>
      <TechFacts {...login} />
    </form>
  );
}
