/** The path protection is decided on, and the one-line request log every adapter writes. */

/**
 * The path protection is decided on (and the demo site routes on): the WHATWG URL parser's pathname with
 * percent-encoded unreserved characters decoded (RFC 3986 §6.2.2.2), %2F and %5C read as "/", dot segments
 * resolved and runs of "/" collapsed — so `/p256//x`, `/%70256/x`, `/p256%2Fx`, `/a/../p256/x` and
 * `/a\\..\\p256\\x` are all inside `/p256/`, whichever of these decodings the application applies. An
 * application behind the middleware should route on this same path. Undefined if the target is unusable.
 */
export function requestPath(url: string | undefined): string | undefined {
  if (url === undefined || url.length > 8192) return undefined;
  if (url === '*') return url; // OPTIONS * (asterisk-form): no resource, never protected
  // Fast path: a plain origin-form path (no escapes, dot segments, "//" or "\\") is its own normal form.
  const q = url.search(/[?#]/);
  const plain = q < 0 ? url : url.slice(0, q);
  if (/^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?$/.test(plain) && plain.startsWith('/')) return plain;
  // Origin-form targets ("/…", even "//…") are paths, never authorities.
  const parse = (target: string): string | undefined => {
    try {
      return new URL(target.startsWith('/') ? `http://request.invalid${target}` : target).pathname;
    } catch {
      return undefined;
    }
  };
  const first = parse(url);
  if (first === undefined) return undefined;
  const decoded = first
    .replace(/%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/%2[fF]|%5[cC]/g, '/')
    .replace(/\/{2,}/g, '/');
  return (parse(decoded) ?? decoded).replace(/\/{2,}/g, '/');
}

/**
 * A looser reading of a normalized path, for deciding protection only (fail closed): what an application
 * behind a proxy or middleware might route on when it is laxer than {@link requestPath} — `;params` stripped
 * from segments (Tomcat, Spring), percent-escapes decoded again (servers that decode twice: `%2561` → `a`),
 * and case folded (case-insensitive file systems). A path is protected when either reading is inside an area.
 */
export function loosePath(path: string): string {
  let x = path;
  for (let i = 0; i < 3 && /%25/i.test(x); i++) {
    const y = requestPath(x.replace(/%25/gi, '%'));
    if (y === undefined || y === x) break;
    x = y;
  }
  const stripped = x.replace(/;[^/]*/g, '');
  return (requestPath(stripped) ?? stripped).replace(/\/{2,}/g, '/').toLowerCase();
}

function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.slice(0, 200).replace(/[\u0000-\u001f\u007f-\u009f\s]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `GET /path 200 sid=abcd1234 nc=3 authenticated` (control characters and spaces escaped; sid shortened). */
export function requestLogLine(r: { method: string; url: string; status: string; sid?: string | undefined; nc?: number | undefined; outcome: string }): string {
  const sid = r.sid === undefined ? '-' : r.sid.slice(0, 8);
  const nc = r.nc === undefined ? '-' : String(r.nc);
  return `${clean(r.method)} ${clean(requestPath(r.url) ?? r.url)} ${r.status} sid=${sid} nc=${nc} ${r.outcome}`;
}
