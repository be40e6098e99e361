/**
 * Authentication realms and scopes (RFC 8120 §5, §5.1) and the `vh` of `validation=host` (§7);
 * docs/protocol-decisions.md §3.1 (an omitted auth-scope is the single-server string of the request URI).
 */
import { getDomain } from 'tldts';
import { fail, ok, type Result } from '../errors.ts';

/** A parsed auth-scope string of one of the three kinds of RFC 8120 §5. */
export type AuthScope =
  | { kind: 'single-server'; text: string; scheme: 'http' | 'https'; host: string; port: number }
  | { kind: 'single-host'; text: string; host: string }
  | { kind: 'wildcard'; text: string; postfix: string };

const DEFAULT_PORT = { http: 80, https: 443 } as const;

/**
 * The registrable domain of a host name under the whole Public Suffix List — ICANN and private sections
 * (hosting suffixes such as github.io, herokuapp.com, s3.amazonaws.com are public suffixes here) — or
 * undefined for an IP literal, a single label, or a name that is itself a public suffix. The list is the one
 * the `tldts` package ships (docs/decisions.md, "Wildcard auth-scopes"); names under a TLD it does not know
 * (`corp.internal`) take the last label as their suffix.
 */
export function registrableDomain(host: string): string | undefined {
  if (isIpLiteral(host) || !host.includes('.')) return undefined;
  return getDomain(host, { allowPrivateDomains: true, validateHostname: false, extractHostname: false }) ?? undefined;
}

/**
 * Whether the wildcard auth-scope `*.postfix` may speak for `host` (RFC 8120 §5): the host is the postfix or
 * below it, AND the postfix lies within the host's own registrable domain. So one tenant of a hosting suffix
 * never covers another (`*.netlify.app`, `*.github.io` are refused outright; `*.amazonaws.com` covers
 * `www.amazonaws.com` but not `bucket.s3.amazonaws.com`, whose registrable domain is its own), and a host
 * that is itself a public suffix is covered by no wildcard.
 */
export function wildcardCovers(postfix: string, host: string): boolean {
  if (isIpLiteral(host) || (host !== postfix && !host.endsWith(`.${postfix}`))) return false;
  const rd = registrableDomain(host);
  return rd !== undefined && (postfix === rd || postfix.endsWith(`.${rd}`));
}

/** An LDH hostname label (RFC 5890 A-labels are LDH too), lower case only. */
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_LITERAL = /^\[[0-9a-f:.]+\]$/;

function isLowerCaseHost(host: string): boolean {
  if (host.length === 0 || host.length > 255) return false;
  if (IPV6_LITERAL.test(host)) return isCanonicalHost(host);
  if (IPV4.test(host)) return true;
  return host.split('.').every((l) => LDH_LABEL.test(l));
}

/** The host as a URL parser would serialize it: rejects non-canonical spellings (upper case, U-labels). */
function isCanonicalHost(host: string): boolean {
  try {
    return new URL(`http://${host}/`).hostname === host;
  } catch {
    return false;
  }
}

function isIpLiteral(host: string): boolean {
  return IPV4.test(host) || host.startsWith('[');
}

/** Parse and validate an auth-scope string as a server sent it. Total: never throws. */
export function parseAuthScope(text: string): Result<AuthScope> {
  const bad = (why: string): Result<AuthScope> =>
    fail('ERR_MUTUAL_SCOPE', `auth-scope ${JSON.stringify(text.slice(0, 100))} is invalid: ${why}`);
  if (text.length === 0 || text.length > 300) return bad('empty or too long');
  const m = /^(https?):\/\/(\[[^\]/]*\]|[^:/[\]]+)(?::([0-9]+))?$/.exec(text);
  if (m) {
    const scheme = m[1] as 'http' | 'https';
    const host = m[2]!;
    const portText = m[3];
    if (!isLowerCaseHost(host) || !isCanonicalHost(host)) return bad('the host must be a lower-case ASCII (A-label) host name');
    let port: number = DEFAULT_PORT[scheme];
    if (portText !== undefined) {
      if (!/^[1-9][0-9]{0,4}$/.test(portText)) return bad('the port must be in shortest decimal form');
      port = Number(portText);
      if (port > 65535) return bad('the port is out of range');
      if (port === DEFAULT_PORT[scheme]) return bad('the default port must be omitted');
    }
    return ok({ kind: 'single-server', text, scheme, host, port });
  }
  if (text.includes('://') || text.includes('/')) return bad('only http and https single-server scopes exist');
  if (text.startsWith('*.')) {
    const postfix = text.slice(2);
    if (!isLowerCaseHost(postfix) || isIpLiteral(postfix)) return bad('the wildcard postfix must be a lower-case domain name');
    // The postfix must be at or below a registrable domain: "*.com", "*.co.uk", "*.github.io" are refused.
    if (registrableDomain(postfix) === undefined) {
      return bad(`"*.${postfix}" covers a public suffix, not one organization's domain`);
    }
    return ok({ kind: 'wildcard', text, postfix });
  }
  if (!isLowerCaseHost(text) || !isCanonicalHost(text)) return bad('the host must be a lower-case ASCII (A-label) host name without a port');
  return ok({ kind: 'single-host', text, host: text });
}

/** The parts of a request URL that realms and vh are made of, normalised by the WHATWG URL parser. */
export interface Origin {
  scheme: 'http' | 'https';
  /** Lower-case A-label host; IPv6 literals keep their brackets. */
  host: string;
  port: number;
}

export function originOf(url: string | URL): Result<Origin> {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return fail('ERR_MUTUAL_SCOPE', `not a URL: ${String(url).slice(0, 100)}`);
  }
  const scheme = u.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') return fail('ERR_MUTUAL_SCOPE', `Mutual needs http or https, not ${scheme}`);
  const port = u.port === '' ? DEFAULT_PORT[scheme] : Number(u.port);
  return ok({ scheme, host: u.hostname, port });
}

/** The single-server auth-scope string of a URL: scheme://host[:port], port only when not the default. */
export function singleServerScope(o: Origin): string {
  return o.port === DEFAULT_PORT[o.scheme] ? `${o.scheme}://${o.host}` : `${o.scheme}://${o.host}:${o.port}`;
}

/** vh for validation=host (RFC 8120 §7): scheme://host:port, the port always present. */
export function hostValidationVh(o: Origin): string {
  return `${o.scheme}://${o.host}:${o.port}`;
}

/** A stable key for one server (sessions are per server and realm, RFC 8120 §6). */
export function serverKey(o: Origin): string {
  return hostValidationVh(o);
}

/** Does this scope cover requests to this origin? (RFC 8120 §5) */
export function scopeCovers(scope: AuthScope, o: Origin): boolean {
  switch (scope.kind) {
    case 'single-server':
      return scope.scheme === o.scheme && scope.host === o.host && scope.port === o.port;
    case 'single-host':
      return scope.host === o.host;
    case 'wildcard':
      return wildcardCovers(scope.postfix, o.host);
  }
}

/**
 * The auth-scope a client uses for a challenge: the server's `auth-scope` if present (it must be valid and
 * cover the request), else the single-server string of the request (docs/protocol-decisions.md §3.1).
 */
export function effectiveScope(authScopeParam: string | undefined, request: Origin): Result<AuthScope> {
  if (authScopeParam === undefined) {
    const text = singleServerScope(request);
    return ok({ kind: 'single-server', text, scheme: request.scheme, host: request.host, port: request.port });
  }
  const parsed = parseAuthScope(authScopeParam);
  if (!parsed.ok) return parsed;
  if (!scopeCovers(parsed.value, request)) {
    return fail('ERR_MUTUAL_SCOPE', `auth-scope "${authScopeParam}" does not include ${singleServerScope(request)}`);
  }
  return parsed;
}

/** How specific a scope is, for RFC 8120 §5.1 ambiguity resolution: larger is more specific. */
export function scopeSpecificity(scope: AuthScope): number {
  switch (scope.kind) {
    case 'single-server':
      return 3_000_000;
    case 'single-host':
      return 2_000_000;
    case 'wildcard':
      return 1_000_000 + scope.postfix.length;
  }
}

/**
 * The `path` parameter of 401-KEX-S1 (RFC 8120 §4.3): space-separated URIs (absolute or absolute-path).
 * Elements outside the auth-scope are ignored. Returns prefixes as absolute URL strings.
 */
export function parsePathList(path: string | undefined, scope: AuthScope, base: Origin): string[] {
  if (path === undefined) return [];
  const out: string[] = [];
  const baseUrl = `${base.scheme}://${base.host}:${base.port}/`;
  for (const item of path.split(' ').slice(0, 64)) {
    if (item === '') continue;
    let u: URL;
    try {
      u = new URL(item, baseUrl);
    } catch {
      continue;
    }
    const o = originOf(u);
    if (!o.ok || !scopeCovers(scope, o.value)) continue;
    out.push(`${hostValidationVh(o.value)}${u.pathname}`);
  }
  return out;
}

/** Is this URL under one of the path prefixes (as returned by parsePathList)? */
export function pathCovers(prefixes: readonly string[], url: URL): boolean {
  const o = originOf(url);
  if (!o.ok) return false;
  const full = `${hostValidationVh(o.value)}${url.pathname}`;
  return prefixes.some((p) => full.startsWith(p));
}
