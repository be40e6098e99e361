/**
 * Who gets `Authorization` — the one decision procedure (issue 7, docs/threat-model.md rule R1). Like a
 * `SameSite=Lax` cookie, never wider: a request carries a Mutual session only when it is
 *   (a) a top-level navigation (GET or HEAD) into the session's scope, or
 *   (b) made by a document whose origin, and whose top-level document's origin, are inside the realm's
 *       auth-scope (and, when the browser set an `Origin` header, that origin too; and every frame between them,
 *       and for a frame's navigation the document that started it or that the frame shows: `Requester.also`).
 *       An opaque origin ('null': a sandboxed document, about:blank or data: of unknown parent) is never in scope.
 * Everything else — another site's images, scripts, frames, fetches, form posts, and requests whose
 * requester the adapter could not tell — is "foreign": it goes out as a logged-out browser would send it,
 * and its response is handed to the page untouched (no login prompt, no state change, no failure).
 * Pure: no browser API, no engine state beyond what is passed in.
 */
import { originOf, parseAuthScope, scopeCovers } from '../../protocol/realm.ts';
import type { ClientState } from '../../protocol/state.ts';
import type { InterceptedRequest } from './interceptors/interceptor.ts';
import { serverOfUrl } from './urls.ts';

/** (a): the tab's own top-level navigation with a safe method. */
export function isTopLevelNavigation(r: InterceptedRequest): boolean {
  return r.mainFrame && (r.method === 'GET' || r.method === 'HEAD');
}

/** The origins that made the request, as far as the browser tells: all must be in scope. Empty: unknown. */
export function requesterOrigins(r: InterceptedRequest): string[] {
  const out: string[] = [];
  if (r.requester) out.push(r.requester.origin, r.requester.topOrigin, ...(r.requester.also ?? []));
  const header = r.headers.find((h) => h.name.toLowerCase() === 'origin')?.value;
  // A top-level navigation's requester is the document the tab showed; the browser's Origin header (set on
  // POST and CORS requests) names the initiator directly. An unknown requester is never "in scope".
  if (header !== undefined && out.length > 0) out.push(header.trim());
  // Where the adapter sees Fetch Metadata as the browser set it: a cross-site request is never in scope.
  const site = r.headers.find((h) => h.name.toLowerCase() === 'sec-fetch-site')?.value.trim().toLowerCase();
  if (site === 'cross-site' && out.length > 0) out.push('null');
  return out;
}

/**
 * Parsed auth-scopes and requester origins, by their text: every request of a page asks about the same few
 * (measured, issue 10: parsing them again was ≈ 1.5 ms of worker time per page load). Both parsers are pure.
 */
const MEMO_MAX = 256;
const scopes = new Map<string, ReturnType<typeof parseAuthScope>>();
const origins = new Map<string, ReturnType<typeof originOf>>();

function memo<T>(m: Map<string, T>, key: string, f: (k: string) => T): T {
  let v = m.get(key);
  if (v === undefined) {
    v = f(key);
    if (m.size >= MEMO_MAX) m.clear();
    m.set(key, v);
  }
  return v;
}

function covered(authScope: string, origin: string): boolean {
  if (origin === 'null' || origin === '') return false;
  const scope = memo(scopes, authScope, parseAuthScope);
  const o = memo(origins, origin, originOf);
  return scope.ok && o.ok && scopeCovers(scope.value, o.value);
}

/** May request `r` carry a session of a realm with this auth-scope? (rules (a) and (b) above) */
export function mayCarry(r: InterceptedRequest, authScope: string): boolean {
  if (isTopLevelNavigation(r)) return true;
  const origins = requesterOrigins(r);
  // Schemeful, like SameSite: a single-host or wildcard auth-scope covers every scheme and port of its hosts, but
  // a plain-http document (where anyone on the network can inject script) never speaks for an https target.
  if (/^https:/i.test(r.url) && origins.some((o) => !/^https:/i.test(o))) return false;
  return origins.length > 0 && origins.every((o) => covered(authScope, o));
}

/**
 * A cheap first look, before the engine allocates anything: could `r` carry any session the client holds for
 * its server? False means foreign, whatever the engine would pick (so a foreign page cannot make the
 * extension burn nonce numbers or start key exchanges).
 */
export function mayCarryAny(r: InterceptedRequest, state: ClientState): boolean {
  if (isTopLevelNavigation(r)) return true;
  const server = serverOfUrl(r.url);
  if (server === undefined) return false;
  for (const s of Object.values(state.sessions)) if (s.server === server && mayCarry(r, s.realm.authScope)) return true;
  return false;
}

/**
 * May the response to a request that went out without a session be read for Mutual challenges (login
 * available, a known realm to re-send with)? Only for the site's own documents: a top-level navigation, or a
 * requester (and its top-level document) of the request's own origin. Anything else is foreign.
 */
export function isOwnRequest(r: InterceptedRequest): boolean {
  if (isTopLevelNavigation(r)) return true;
  let target: string;
  try {
    target = new URL(r.url).origin;
  } catch {
    return false;
  }
  const origins = requesterOrigins(r);
  return origins.length > 0 && origins.every((o) => o === target);
}
