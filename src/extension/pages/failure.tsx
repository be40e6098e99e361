/**
 * Words for what went wrong, by stable code (FailureView.code, LoginOutcome.code), in the UI language; the
 * background's English message is kept for experts under "Technical details" (a generic sentence leads when the
 * code is one this UI has no words for). Also the other "Technical details" fold: a login's or session's facts.
 */
import type { JSX } from 'preact';
import { t, type MessageKey } from '../shared/i18n.ts';

const BY_CODE: Readonly<Record<string, MessageKey>> = {
  ERR_MUTUAL_SERVER_AUTH: 'code_serverAuth',
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
  'no-pending-login': 'code_noPendingLogin',
  'site-changed': 'code_siteChanged',
  'login-changed': 'code_loginChanged',
  unreachable: 'code_unreachable',
  'not-asked-any-more': 'code_notAskedAnyMore',
  'too-many-round-trips': 'code_tooManyRoundTrips',
  'redirect-unconfirmed': 'code_redirectUnconfirmed',
  'certificate-unknown': 'code_certificateUnknown',
};

/** The localized sentence for a code, or undefined when this UI has no words for it. */
export function textForCode(code: string | undefined): string | undefined {
  const key = code === undefined ? undefined : BY_CODE[code];
  return key === undefined ? undefined : t(key);
}

/**
 * A problem in one line: `lead` (what happened, when the caller knows), then the sentence for the code; a
 * generic sentence when there is neither. The technical message is always folded under "Technical details".
 */
export function Problem(props: { code?: string | undefined; message: string; lead?: string; testid?: string; detailTestid?: string }): JSX.Element {
  const parts = [props.lead, textForCode(props.code)].filter((x): x is string => x !== undefined);
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
