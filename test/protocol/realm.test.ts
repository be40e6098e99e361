import { describe, expect, it } from 'vitest';
import { vectors } from '../fixtures/vectors.ts';
import {
  effectiveScope, hostValidationVh, originOf, parseAuthScope, parsePathList, pathCovers, scopeCovers,
  singleServerScope,
} from '../../src/protocol/realm.ts';

const must = <T>(r: { ok: true; value: T } | { ok: false; error: Error }): T => {
  if (!r.ok) throw r.error;
  return r.value;
};

describe('RFC 8120 §7 vh (validation=host)', () => {
  for (const v of vectors.scope.vh) {
    it(`${v.url} -> ${v.vh}`, () => expect(hostValidationVh(must(originOf(v.url)))).toBe(v.vh));
  }
});

describe('RFC 8120 §5 single-server scope (= omitted auth-scope)', () => {
  for (const v of vectors.scope.single_server) {
    it(`${v.url} -> ${v.auth_scope}`, () => {
      expect(singleServerScope(must(originOf(v.url)))).toBe(v.auth_scope);
      expect(must(effectiveScope(undefined, must(originOf(v.url)))).text).toBe(v.auth_scope);
    });
  }
});

describe('RFC 8120 §5 scope coverage', () => {
  for (const v of vectors.scope.covers) {
    it(`${JSON.stringify(v.auth_scope)} covers ${v.url}: ${String(v.expected)}`, () => {
      const scope = parseAuthScope(v.auth_scope);
      if (v.expected === 'invalid') {
        expect(scope.ok).toBe(false);
        if (!scope.ok) expect(scope.error.code).toBe('ERR_MUTUAL_SCOPE');
        return;
      }
      expect(scopeCovers(must(scope), must(originOf(v.url)))).toBe(v.expected);
    });
  }

  it('effectiveScope refuses a scope that does not include the request', () => {
    const r = effectiveScope('https://other.example', must(originOf('https://example.com/')));
    expect(r.ok).toBe(false);
  });

  it('uses the kam3 vectors: auth_scope_param or the single-server default', () => {
    for (const k of vectors.kam3) {
      const scope = must(effectiveScope(k.auth_scope_param ?? undefined, must(originOf(k.request_url))));
      expect(scope.text).toBe(k.auth_scope);
      expect(hostValidationVh(must(originOf(k.request_url)))).toBe(k.vh);
    }
  });
});

describe('RFC 8120 §4.3 path parameter', () => {
  it('keeps elements inside the scope, drops others', () => {
    const origin = must(originOf('http://127.0.0.1:8080/private/'));
    const scope = must(effectiveScope('http://127.0.0.1:8080', origin));
    const prefixes = parsePathList('/private/ /img/ http://evil.example/ http://127.0.0.1:8080/abs/', scope, origin);
    expect(prefixes).toEqual([
      'http://127.0.0.1:8080/private/', 'http://127.0.0.1:8080/img/', 'http://127.0.0.1:8080/abs/',
    ]);
    expect(pathCovers(prefixes, new URL('http://127.0.0.1:8080/private/a.png'))).toBe(true);
    expect(pathCovers(prefixes, new URL('http://127.0.0.1:8080/public/'))).toBe(false);
    expect(pathCovers(prefixes, new URL('http://127.0.0.1:8081/private/'))).toBe(false);
  });
});
