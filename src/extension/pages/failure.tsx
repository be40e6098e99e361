/**
 * Words for what went wrong, by stable code, in the UI language: the engine's `ERR_MUTUAL_*` codes and the
 * extension's `ERR_EXT_*` codes (FailureView.code, message replies), and the login outcomes' `ERR_LOGIN_*` codes
 * (LoginOutcome.code). The background's English message is kept for experts under "Technical details"; a
 * generic sentence leads when the code is one this UI has no words for. Also the other "Technical details"
 * fold: a login's or session's facts.
 */
import type { JSX } from 'preact';
import { t, type MessageKey } from '../shared/i18n.ts';
import type { LoginCode, LoginOutcome } from '../shared/messages.ts';

/** The engine's and the extension's failure codes. */
const BY_CODE: Readonly<Record<string, MessageKey>> = {
  ERR_MUTUAL_SERVER_AUTH: 'code_serverAuth',
  ERR_MUTUAL_AUTH_FAILED: 'wrongCredentials',
  ERR_MUTUAL_PROTOCOL: 'code_protocol',
  ERR_MUTUAL_SYNTAX: 'code_protocol',
  ERR_MUTUAL_MESSAGE: 'code_protocol',
  ERR_MUTUAL_ENCODING: 'code_protocol',
  ERR_MUTUAL_INVALID_ELEMENT: 'code_protocol',
  ERR_MUTUAL_NONCE: 'code_protocol',
  ERR_MUTUAL_LIMIT: 'code_limit',
  ERR_MUTUAL_SCOPE: 'code_scope',
  ERR_MUTUAL_UNSUPPORTED: 'code_unsupported',
  ERR_MUTUAL_STRINGPREP: 'code_stringprep',
  ERR_MUTUAL_ARGUMENT: 'code_stringprep',
  ERR_EXT_NETWORK: 'code_network',
  ERR_EXT_INTERNAL: 'code_internal',
};

/**
 * The login outcomes: each code's sentence, or what leads when the engine's code (`detail`) says the rest
 * (the server failed to prove itself; a challenge this client cannot satisfy). Total over {@link LoginCode}, so
 * a new outcome code does not compile until it has words.
 */
const LOGIN: Readonly<Record<Exclude<LoginCode, 'OK_VERIFIED'>, { text: MessageKey } | { lead: MessageKey }>> = {
  ERR_LOGIN_WRONG_CREDENTIALS: { text: 'wrongCredentials' },
  ERR_LOGIN_WRONG_CREDENTIALS_TLS: { text: 'wrongCredentials' },
  ERR_LOGIN_SERVER_FAILED: { lead: 'serverFailedLead' },
  ERR_LOGIN_DECLINED: { lead: 'declinedLead' },
  ERR_LOGIN_CERTIFICATE_UNKNOWN: { text: 'code_certificateUnknown' },
  ERR_LOGIN_NONE_PENDING: { text: 'code_noPendingLogin' },
  ERR_LOGIN_SITE_CHANGED: { text: 'code_siteChanged' },
  ERR_LOGIN_REALM_CHANGED: { text: 'code_loginChanged' },
  ERR_LOGIN_BAD_INPUT: { text: 'code_stringprep' },
  ERR_LOGIN_UNREACHABLE: { text: 'code_unreachable' },
  ERR_LOGIN_NOT_ASKED: { text: 'code_notAskedAnyMore' },
  ERR_LOGIN_TOO_MANY_ROUND_TRIPS: { text: 'code_tooManyRoundTrips' },
  ERR_LOGIN_UNCONFIRMED_REDIRECT: { text: 'code_redirectUnconfirmed' },
};

/** The localized sentence for a code, or undefined when this UI has no words for it. */
export function textForCode(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  const login = Object.hasOwn(LOGIN, code) ? LOGIN[code as keyof typeof LOGIN] : undefined;
  if (login !== undefined) return 'text' in login ? t(login.text) : undefined;
  const key = Object.hasOwn(BY_CODE, code) ? BY_CODE[code] : undefined;
  return key === undefined ? undefined : t(key);
}

/** What {@link Problem} shows for a login that did not end verified. */
export interface ShownProblem {
  lead?: string;
  code?: string;
  message: string;
  /** false: the lead says it all, the code only goes under "Technical details". */
  explain?: boolean;
}

/**
 * A failed login's outcome as one problem line: the sentence of its code, or — for a server that failed to
 * prove itself and for a declined challenge — a lead and the sentence of the engine's code (`detail`), whose
 * code then shows under "Technical details". An outcome code this UI does not know falls back to the generic
 * sentence with the background's English message under "Technical details".
 */
export function loginProblem(v: Exclude<LoginOutcome, { result: 'verified' }>): ShownProblem {
  const entry = Object.hasOwn(LOGIN, v.code) ? LOGIN[v.code as keyof typeof LOGIN] : undefined;
  if (entry !== undefined && 'lead' in entry) {
    const detail = 'detail' in v ? v.detail : undefined;
    // "The server did not prove that it knows your account" needs no second sentence saying the same.
    const explain = !(v.code === 'ERR_LOGIN_SERVER_FAILED' && detail === 'ERR_MUTUAL_SERVER_AUTH');
    return { lead: t(entry.lead), message: v.message, ...(detail !== undefined ? { code: detail } : {}), ...(explain ? {} : { explain }) };
  }
  return { code: v.code, message: v.message };
}

/**
 * A problem in one line: `lead` (what happened, when the caller knows), then the sentence for the code; a
 * generic sentence when there is neither. The technical message is always folded under "Technical details".
 */
export function Problem(props: ShownProblem & { code?: string | undefined; testid?: string; detailTestid?: string }): JSX.Element {
  const parts = [props.lead, props.explain === false ? undefined : textForCode(props.code)].filter((x): x is string => x !== undefined);
  const text = parts.length > 0 ? parts.join(' ') : t('code_unknown');
  return (
    <div class="problem" data-testid={props.testid}>
      <p class="problem-text">{text}</p>
      {props.message !== '' && (
        <details class="tech">
          <summary>{t('details')}</summary>
          <p class="tech-message" data-testid={props.detailTestid ?? 'problem-detail'}>{props.message}</p>
          {props.code !== undefined && <p><code>{props.code}</code></p>}
        </details>
      )}
    </div>
  );
}

/** The technical facts of a login or session, folded under "Technical details". */
export function TechFacts(props: { server: string; algorithm: string; validation: string; authScope: string }): JSX.Element {
  return (
    <details class="tech">
      <summary>{t('details')}</summary>
      <dl class="facts">
        <dt>{t('server')}</dt><dd>{props.server}</dd>
        <dt>{t('algorithm')}</dt><dd>{props.algorithm}</dd>
        <dt>{t('validation')}</dt><dd>{props.validation}</dd>
        <dt>{t('authScope')}</dt><dd>{props.authScope}</dd>
      </dl>
    </details>
  );
}
