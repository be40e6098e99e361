/**
 * Wildcard auth-scopes (RFC 8120 §5) against the whole Public Suffix List, private section included: a
 * wildcard is refused when its postfix is a public suffix, and covers a host only when the postfix lies within
 * that host's own registrable domain — so one tenant of a hosting suffix never covers another. Also the
 * spellings a server might try: upper case, trailing dots, U-labels, IP addresses.
 */
import { describe, expect, it } from 'vitest';
import { effectiveScope, originOf, parseAuthScope, registrableDomain, scopeCovers, wildcardCovers } from '../../src/protocol/realm.ts';
import { mayCarry } from '../../src/extension/background/authorize.ts';
import type { InterceptedRequest } from '../../src/extension/background/interceptors/interceptor.ts';

const origin = (url: string) => {
  const o = originOf(url);
  if (!o.ok) throw o.error;
  return o.value;
};
const refused = (scope: string) => {
  const r = parseAuthScope(scope);
  return !r.ok && r.error.code === 'ERR_MUTUAL_SCOPE';
};

describe('registrableDomain (PSL, ICANN and private sections)', () => {
  it.each([
    ['www.example.com', 'example.com'],
    ['a.b.example.co.uk', 'example.co.uk'],
    ['alice.github.io', 'alice.github.io'],
    ['x.alice.github.io', 'alice.github.io'],
    ['myapp.herokuapp.com', 'myapp.herokuapp.com'],
    ['site.netlify.app', 'site.netlify.app'],
    ['bucket.s3.amazonaws.com', 'bucket.s3.amazonaws.com'],
    ['www.amazonaws.com', 'amazonaws.com'],
    ['a.b.compute.amazonaws.com', 'a.b.compute.amazonaws.com'],
    ['a.xn--80aswg.xn--p1ai', 'xn--80aswg.xn--p1ai'], // сайт.рф
    ['foo.xn--55qx5d.cn', 'foo.xn--55qx5d.cn'], // 公司.cn is a suffix
    ['a.corp.internal', 'corp.internal'], // unknown TLD: its last label is the suffix
  ])('%s → %s', (host, want) => expect(registrableDomain(host)).toBe(want));

  it.each(['github.io', 'herokuapp.com', 's3.amazonaws.com', 'co.uk', 'com', 'xn--p1ai', 'xn--55qx5d.cn', 'foo.ck', 'localhost', '127.0.0.1', '[::1]'])(
    '%s has none', (host) => expect(registrableDomain(host)).toBeUndefined());
});

describe('parseAuthScope: wildcards over public suffixes are refused', () => {
  it.each([
    '*.com', '*.jp', '*.co.uk', '*.co.jp', '*.github.io', '*.herokuapp.com', '*.netlify.app', '*.vercel.app', '*.pages.dev',
    '*.blogspot.com', '*.s3.amazonaws.com', '*.web.app', '*.xn--p1ai', '*.xn--55qx5d.cn', '*.foo.ck', '*.localhost',
  ])('%s', (scope) => {
    const r = parseAuthScope(scope);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/covers a public suffix/);
  });

  it('and spellings that are not a canonical lower-case A-label name: upper case, trailing dot, U-labels, IPs, empty labels', () => {
    for (const s of ['*.Example.com', '*.EXAMPLE.COM', '*.example.com.', '*.example.com..', '*.сайт.рф', '*.bücher.de', '*.127.0.0.1', '*.[::1]',
      '*..example.com', '*.*.example.com', '*.example..com', '**.example.com', '*example.com', '*.']) {
      expect(refused(s), s).toBe(true);
    }
  });

  it('accepts an organization\'s own domain, also under a hosting suffix or an IDN', () => {
    for (const s of ['*.example.com', '*.example.co.uk', '*.alice.github.io', '*.eu.alice.github.io', '*.myapp.herokuapp.com', '*.amazonaws.com',
      '*.xn--80aswg.xn--p1ai', '*.corp.internal']) {
      const r = parseAuthScope(s);
      expect(r.ok, s).toBe(true);
    }
  });
});

describe('wildcardCovers: only hosts whose registrable domain contains the postfix', () => {
  it.each([
    ['example.com', 'www.example.com', true],
    ['example.com', 'example.com', true],
    ['example.com', 'a.b.example.com', true],
    ['example.com', 'badexample.com', false],
    ['example.com', 'example.com.evil.org', false],
    ['alice.github.io', 'alice.github.io', true],
    ['alice.github.io', 'x.alice.github.io', true],
    ['alice.github.io', 'bob.github.io', false],
    // A registrable domain with public suffixes below it: its own hosts yes, its tenants' no.
    ['amazonaws.com', 'www.amazonaws.com', true],
    ['amazonaws.com', 'bucket.s3.amazonaws.com', false],
    ['amazonaws.com', 's3.amazonaws.com', false],
    ['amazonaws.com', 'a.b.compute.amazonaws.com', false],
    // Postfixes the parser refuses are refused here too, should one ever get this far.
    ['github.io', 'bob.github.io', false],
    ['netlify.app', 'site.netlify.app', false],
    ['co.uk', 'example.co.uk', false],
    ['xn--80aswg.xn--p1ai', 'www.xn--80aswg.xn--p1ai', true],
    ['xn--p1ai', 'xn--80aswg.xn--p1ai', false],
    // Hosts as URLs give them: a trailing dot or an IP address is covered by no wildcard.
    ['example.com', 'www.example.com.', false],
    ['0.1', '127.0.0.1', false],
  ])('*.%s covers %s: %s', (postfix, host, want) => expect(wildcardCovers(postfix, host)).toBe(want));
});

describe('where the decision is used', () => {
  it('effectiveScope: a tenant of a hosting suffix cannot declare a scope over the others', () => {
    expect(effectiveScope('*.netlify.app', origin('https://evil.netlify.app/')).ok).toBe(false);
    expect(effectiveScope('*.github.io', origin('https://evil.github.io/')).ok).toBe(false);
    expect(effectiveScope('*.amazonaws.com', origin('https://evil.s3.amazonaws.com/')).ok).toBe(false);
    expect(effectiveScope('*.evil.github.io', origin('https://www.evil.github.io/')).ok).toBe(true);
    // A U-label in the URL becomes its A-label: the same decision.
    expect(effectiveScope('*.xn--80aswg.xn--p1ai', origin('https://www.сайт.рф/')).ok).toBe(true);
    expect(effectiveScope('*.EXAMPLE.com', origin('https://www.example.com/')).ok).toBe(false);
  });

  it('scopeCovers of a stored wildcard session follows the same rule for every later target', () => {
    const amazon = parseAuthScope('*.amazonaws.com');
    if (!amazon.ok) throw amazon.error;
    expect(scopeCovers(amazon.value, origin('https://www.amazonaws.com/'))).toBe(true);
    expect(scopeCovers(amazon.value, origin('https://victim.s3.amazonaws.com/'))).toBe(false);
  });

  it('the extension lets a document carry a wildcard session only when its origin is covered by the same rule (R1)', () => {
    const req = (url: string, requester: string): InterceptedRequest => ({
      id: 'r1', tabId: 1, url, method: 'GET', headers: [], mainFrame: false, document: false, requester: { origin: requester, topOrigin: requester },
    });
    expect(mayCarry(req('https://www.amazonaws.com/x', 'https://login.amazonaws.com'), '*.amazonaws.com')).toBe(true);
    // A tenant's page under the suffix does not speak for amazonaws.com's own session.
    expect(mayCarry(req('https://www.amazonaws.com/x', 'https://victim.s3.amazonaws.com'), '*.amazonaws.com')).toBe(false);
  });
});
