/**
 * The pages behind the Mutual handler for `mutual serve`: a home page explaining what the visitor sees, an
 * index page per protected area, a page with 40 protected subresources (SVG and PNG images made here, a
 * style sheet, a script), the optional-authentication page and the logout page. The handler (handler.ts)
 * has already decided who is authenticated; this module only renders (`authOf(req)`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodePng } from '../png.ts';
import { authOf, escapeHtml, requestPath, type ProtectedArea } from './handler.ts';

/** Number of images on the gallery page; with the style sheet and the script: 40 subresources. */
export const GALLERY_IMAGES = 38;
export const GALLERY_SUBRESOURCES = GALLERY_IMAGES + 2;

export interface DemoSiteOptions {
  areas: readonly ProtectedArea[];
  /** 'demo': home page and every area; 'single': only the areas (the gallery is each area's index page). */
  mode: 'demo' | 'single';
  /** Shown on the home page (e.g. "alice, bob — passwords in the server console"). */
  usersNote?: string;
  statusPath?: string;
}

// ------------------------------------------------------------------------------------------- images

/** A 16×16 RGB PNG: a two-colour checkerboard (so each image differs visibly). */
export function makePng(seed: number): Buffer {
  const w = 16;
  const h = 16;
  const a = hsl(seed * 37, 70, 55);
  const b = hsl(seed * 37 + 180, 60, 85);
  const pixels = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) pixels.set(((x >> 2) + (y >> 2)) % 2 === 0 ? a : b, 3 * (y * w + x));
  }
  return encodePng(w, h, 3, pixels);
}

function hsl(hDeg: number, s: number, l: number): [number, number, number] {
  const h = (((hDeg % 360) + 360) % 360) / 360;
  const sat = s / 100;
  const lig = l / 100;
  const q = lig < 0.5 ? lig * (1 + sat) : lig + sat - lig * sat;
  const p = 2 * lig - q;
  const f = (t: number): number => {
    const u = t < 0 ? t + 1 : t > 1 ? t - 1 : t;
    const v = u < 1 / 6 ? p + (q - p) * 6 * u : u < 1 / 2 ? q : u < 2 / 3 ? p + (q - p) * (2 / 3 - u) * 6 : p;
    return Math.round(v * 255);
  };
  return [f(h + 1 / 3), f(h), f(h - 1 / 3)];
}

export function makeSvg(seed: number): string {
  const hue = (seed * 47) % 360;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">` +
    `<rect width="64" height="64" rx="10" fill="hsl(${hue},65%,88%)"/>` +
    `<circle cx="32" cy="32" r="${12 + (seed % 14)}" fill="hsl(${hue},70%,45%)"/>` +
    `<text x="32" y="37" font-family="sans-serif" font-size="14" text-anchor="middle" fill="#fff">${seed}</text></svg>`
  );
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1d2330}
header{border-bottom:1px solid #ccd;margin-bottom:1rem}code{background:#eef;padding:0 .2em;border-radius:3px}
.ok{color:#096b2f;font-weight:600}.warn{color:#8a5a00;font-weight:600}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(64px,1fr));gap:8px}.grid img{width:64px;height:64px;image-rendering:pixelated}
#script-status{padding:.5rem;border-radius:4px;background:#fdecea}#script-status.loaded{background:#e6f4ea}
`;

/** The gallery page's script: marks #script-status and counts the loaded `.grid img` into #image-count. */
export const GALLERY_SCRIPT = `(function(){
  var s=document.getElementById('script-status');
  if(s){s.textContent='The script (a protected subresource) ran.';s.className='loaded';}
  window.addEventListener('load',function(){
    var imgs=[].slice.call(document.querySelectorAll('.grid img'));
    var okCount=imgs.filter(function(i){return i.complete&&i.naturalWidth>0;}).length;
    var c=document.getElementById('image-count');
    if(c)c.textContent=okCount+' of '+imgs.length+' images loaded';
  });
})();
`;

// ------------------------------------------------------------------------------------------- pages

function page(title: string, body: string, stylesheet = '/style.css'): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<link rel="stylesheet" href="${stylesheet}"></head><body>${body}</body></html>`
  );
}

function send(res: ServerResponse, status: number, type: string, text: string | Buffer, head: boolean): void {
  const body = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', body.length);
  res.end(head ? undefined : body);
}

function whoBox(req: IncomingMessage, area: ProtectedArea): string {
  const a = authOf(req);
  if (!a) {
    return `<p class="warn">You are not authenticated in realm “${escapeHtml(area.realm)}”.</p>`;
  }
  return (
    `<p class="ok">Authenticated as <b>${escapeHtml(a.user)}</b> in realm “${escapeHtml(a.space.realm)}” ` +
    `(${escapeHtml(a.space.algorithm)}, auth-scope <code>${escapeHtml(a.space.authScope)}</code>).</p>` +
    `<p>This response was produced for request number <code>nc=${a.nc}</code> of session ` +
    `<code>${escapeHtml(a.sid.slice(0, 8))}…</code>, and carries an <code>Authentication-Info</code> header whose ` +
    `<code>vks</code> proves that this server knows your verifier — a phishing site could not compute it.</p>`
  );
}

function galleryBody(req: IncomingMessage, area: ProtectedArea, prefix: string): string {
  const imgs: string[] = [];
  for (let i = 1; i <= GALLERY_IMAGES; i++) {
    const file = i % 2 === 1 ? `img-${i}.svg` : `img-${i}.png`;
    imgs.push(`<img src="${prefix}res/${file}" alt="image ${i}">`);
  }
  return (
    `<header><h1>${GALLERY_SUBRESOURCES} protected subresources</h1></header>${whoBox(req, area)}` +
    `<p>This page loads a style sheet, a script and ${GALLERY_IMAGES} images (SVG and PNG) from ` +
    `<code>${escapeHtml(prefix)}res/</code>. Every one of them is protected: each request needs its own ` +
    `<code>req-VFY-C</code> with a fresh nonce number, and each response must carry a valid <code>vks</code>.</p>` +
    `<p id="script-status">The script has not run (it is a protected subresource).</p>` +
    `<p id="image-count"></p><div class="grid">${imgs.join('')}</div>` +
    `<script src="${prefix}res/app.js"></script>`
  );
}

/** The application behind the handler: `(req, res, next)`. */
export function createDemoSite(options: DemoSiteOptions): (req: IncomingMessage, res: ServerResponse, next?: () => void) => void {
  const areas = [...options.areas].sort((a, b) => b.path.length - a.path.length);
  const images = new Map<string, { type: string; body: string | Buffer }>();
  for (let i = 1; i <= GALLERY_IMAGES; i++) {
    if (i % 2 === 1) images.set(`img-${i}.svg`, { type: 'image/svg+xml', body: makeSvg(i) });
    else images.set(`img-${i}.png`, { type: 'image/png', body: makePng(i) });
  }
  images.set('style.css', { type: 'text/css; charset=utf-8', body: STYLE });
  images.set('app.js', { type: 'text/javascript; charset=utf-8', body: GALLERY_SCRIPT });

  const home = (): string => {
    const rows = options.areas
      .map((a) => {
        const kind = a.optional ? 'optional login' : 'login required';
        const logout = (a.logoutPaths ?? []).map((p) => ` · <a href="${escapeHtml(p)}">log out</a>`).join('');
        return (
          `<li><a href="${escapeHtml(a.path)}">${escapeHtml(a.path)}</a> — realm “${escapeHtml(a.realm)}”, ` +
          `<code>${escapeHtml(a.algorithm)}</code> (${kind})` +
          (a.optional ? '' : ` · <a href="${escapeHtml(a.path)}gallery.html">40 subresources</a>`) +
          `${logout}</li>`
        );
      })
      .join('');
    return page(
      'Mutual authentication demo',
      `<header><h1>HTTP Mutual authentication demo</h1></header>` +
        `<p>This server speaks <b>HTTP Mutual authentication</b> (RFC 8120, with the KAM3 algorithms of RFC 8121 ` +
        `and the extensions of RFC 8053). Unlike Basic or Digest, your password never leaves your browser, the ` +
        `server stores only a verifier derived from it, and <em>the server proves to you</em> on every response ` +
        `that it knows that verifier. A phishing copy of this site cannot produce that proof, and your browser ` +
        `(with the Mutual extension) shows it failing.</p>` +
        `<h2>What you will see</h2><ul>` +
        `<li>Without a Mutual-capable browser, the protected areas below answer <code>401 Unauthorized</code> ` +
        `with <code>WWW-Authenticate: Mutual …</code> — there is nothing your browser can do with it.</li>` +
        `<li>With the extension, opening a protected area asks for a username and password for its realm, then ` +
        `runs the key exchange (<code>req-KEX-C1</code> → <code>401-KEX-S1</code> → <code>req-VFY-C</code> → ` +
        `<code>200-VFY-S</code>) and marks the page as verified.</li>` +
        `<li>The optional page shows its content to everyone and offers login (RFC 8053 ` +
        `<code>Optional-WWW-Authenticate</code>).</li>` +
        `<li>A logout link ends the session on the server (<code>Authentication-Control: … logout-timeout=0</code>).</li>` +
        `</ul><h2>Protected areas</h2><ul>${rows}</ul>` +
        (options.usersNote ? `<h2>Demo users</h2><p>${escapeHtml(options.usersNote)}</p>` : '') +
        (options.statusPath ? `<p>Counters: <a href="${escapeHtml(options.statusPath)}">${escapeHtml(options.statusPath)}</a></p>` : ''),
    );
  };

  return (req, res, next) => {
    const head = req.method === 'HEAD';
    const notFound = () => {
      if (next) next();
      else send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n', head);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n', head);
      return;
    }
    const path = requestPath(req.url) ?? '/';
    if (options.mode === 'demo' && path === '/') {
      send(res, 200, 'text/html; charset=utf-8', home(), head);
      return;
    }
    if (options.mode === 'demo' && path === '/style.css') {
      send(res, 200, 'text/css; charset=utf-8', STYLE, head);
      return;
    }
    const area = areas.find((a) => path.startsWith(a.path) || path === a.path.replace(/\/$/, ''));
    if (!area) return notFound();
    const prefix = area.path.endsWith('/') ? area.path : `${area.path}/`;
    const sheet = `${prefix}res/style.css`;
    if (path === area.path.replace(/\/$/, '') && path !== area.path) {
      res.statusCode = 301;
      res.setHeader('Location', area.path);
      res.end();
      return;
    }
    const homeLink = options.mode === 'demo' ? '<p><a href="/">Home</a></p>' : '';
    if ((area.logoutPaths ?? []).includes(path)) {
      const a = authOf(req);
      const body = a?.loggedOut
        ? `<h1>Logged out</h1><p>Your session <code>${escapeHtml(a.sid.slice(0, 8))}…</code> for realm ` +
          `“${escapeHtml(a.space.realm)}” has ended on the server. This response carried ` +
          `<code>Authentication-Control: Mutual realm="…", logout-timeout=0</code>, so your browser forgets it ` +
          `too; the next visit to a protected page asks for your password again.</p>`
        : `<h1>Not logged in</h1><p>There was no session to end.</p>`;
      send(res, 200, 'text/html; charset=utf-8', page('Logout', `${body}${homeLink}`, sheet), head);
      return;
    }
    const rest = path.slice(prefix.length);
    if (rest.startsWith('res/')) {
      const r = images.get(rest.slice(4));
      if (!r) return notFound();
      send(res, 200, r.type, r.body, head);
      return;
    }
    const links =
      `<p>${(area.logoutPaths ?? []).map((p) => `<a href="${escapeHtml(p)}">Log out</a>`).join(' · ')}` +
      `${options.mode === 'demo' ? ' · <a href="/">Home</a>' : ''}</p>`;
    if (rest === 'gallery.html' || (options.mode === 'single' && rest === '')) {
      send(res, 200, 'text/html; charset=utf-8', page(`${GALLERY_SUBRESOURCES} subresources`, galleryBody(req, area, prefix) + links, sheet), head);
      return;
    }
    if (rest === '' && area.optional) {
      const a = authOf(req);
      const greeting = a
        ? `<p class="ok">Hello, ${escapeHtml(a.user)}! You chose to log in on this optional page.</p>`
        : `<p>Hello, guest. This page is public, but its response carries <code>Optional-WWW-Authenticate: ` +
          `Mutual …</code> (RFC 8053 §3): a Mutual-capable browser offers to log in, without forcing you to.</p>`;
      send(res, 200, 'text/html; charset=utf-8', page('Optional login', `<h1>Optional authentication</h1>${greeting}${whoBox(req, area)}${homeLink}`, sheet), head);
      return;
    }
    if (rest === '') {
      send(
        res,
        200,
        'text/html; charset=utf-8',
        page(
          area.realm,
          `<header><h1>Realm “${escapeHtml(area.realm)}”</h1></header>${whoBox(req, area)}` +
            `<p><a href="${escapeHtml(prefix)}gallery.html">A page with ${GALLERY_SUBRESOURCES} protected subresources</a></p>${links}`,
          sheet,
        ),
        head,
      );
      return;
    }
    notFound();
  };
}
