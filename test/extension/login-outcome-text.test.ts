/**
 * The login UI's words for trust's LoginCode outcomes (pages/failure.tsx): every code has a sentence in the
 * catalogue, or — server failed, declined — a lead followed by the sentence of the engine's code in `detail`;
 * a code the UI does not know gets no sentence (the generic one leads, the English message goes under
 * "Technical details"). The browser's i18n is the English catalogue here.
 */
import { describe, expect, it, vi } from 'vitest';
import type { LoginCode } from '../../src/extension/shared/messages.ts';

vi.mock('webextension-polyfill', async () => {
  const { englishText } = await import('./support.ts');
  return { default: { i18n: { getMessage: (name: string, subs: string[]) => englishText(name as never, ...subs) } } };
});
const { loginProblem, textForCode } = await import('../../src/extension/pages/failure.tsx');

const CODES: Array<Exclude<LoginCode, 'OK_VERIFIED'>> = [
  'ERR_LOGIN_WRONG_CREDENTIALS', 'ERR_LOGIN_WRONG_CREDENTIALS_TLS', 'ERR_LOGIN_CERTIFICATE_UNKNOWN', 'ERR_LOGIN_NONE_PENDING',
  'ERR_LOGIN_SITE_CHANGED', 'ERR_LOGIN_REALM_CHANGED', 'ERR_LOGIN_BAD_INPUT', 'ERR_LOGIN_UNREACHABLE', 'ERR_LOGIN_NOT_ASKED',
  'ERR_LOGIN_TOO_MANY_ROUND_TRIPS', 'ERR_LOGIN_UNCONFIRMED_REDIRECT',
];

describe('login outcome words', () => {
  it('every outcome code without an engine detail has its own sentence', () => {
    for (const code of CODES) {
      const text = textForCode(code);
      expect(text, code).toBeDefined();
      expect(text, code).not.toMatch(/^[a-z]+_[A-Za-z]+$/); // a catalogue message, not a missing key
    }
    expect(textForCode('ERR_LOGIN_NONE_PENDING')).toBe('This tab is not waiting for a login any more. Reload the page and try again.');
  });

  it('server failed and declined: a lead, then the engine code of `detail`', () => {
    const failed = loginProblem({ result: 'server-failed', code: 'ERR_LOGIN_SERVER_FAILED', message: 'wrong vks', detail: 'ERR_MUTUAL_PROTOCOL' });
    expect(failed).toEqual({ lead: 'The server did not prove that it knows your account.', code: 'ERR_MUTUAL_PROTOCOL', message: 'wrong vks' });
    expect(textForCode(failed.code)).toBe('It answered in a way the Mutual protocol does not allow.');
    // No second sentence repeating the lead.
    expect(loginProblem({ result: 'server-failed', code: 'ERR_LOGIN_SERVER_FAILED', message: 'm', detail: 'ERR_MUTUAL_SERVER_AUTH' }).explain).toBe(false);
    const declined = loginProblem({ result: 'declined', code: 'ERR_LOGIN_DECLINED', message: 'm', detail: 'ERR_MUTUAL_UNSUPPORTED' });
    expect(declined.lead).toBe('Mutual cannot log in to this site.');
    expect(textForCode(declined.code)).toMatch(/does not support/);
  });

  it('an unknown code gets no sentence; its English message is kept', () => {
    expect(textForCode('ERR_LOGIN_FROM_THE_FUTURE')).toBeUndefined();
    expect(textForCode('toString')).toBeUndefined();
    expect(loginProblem({ result: 'error', code: 'ERR_LOGIN_FROM_THE_FUTURE' as LoginCode, message: 'English words' }))
      .toEqual({ code: 'ERR_LOGIN_FROM_THE_FUTURE', message: 'English words' });
  });
});
