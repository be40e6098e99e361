/**
 * Rule R1 (who gets Authorization), the requester's identity, in both browsers — the open findings of the last
 * review. The user is logged in to the Mutual site M. Each attack starts from a page of another origin E and
 * makes M's server see a request "from M's own document" that is not M's document by the web's rules:
 *
 * - 16a/16b: a sandboxed document served by M itself (user content under `Content-Security-Policy: sandbox`, or
 *   M's page framing it in `<iframe sandbox="allow-scripts">`) is of an opaque origin: its images, fetches and
 *   frames must not speak for M, though its URL is M's and (16b) its parent is M's own page; (16c)
 *   nor after the background restarted and lost what it saw of the document's response.
 * - 17: E's frame inside M's page (an ad) navigates itself to an in-session URL of M: the new document's
 *   request was started by E's document, not by M's page around it.
 * - 18: E's page sends a `keepalive` request to M from its `pagehide` handler while the tab navigates to M: the
 *   request belongs to E's unloading document, not to M's new one.
 *
 * Each test also checks that M's own requests next to the attack (an image of M's preview page, a frame of M's
 * embed page) are still authenticated, so the rule is not met by authenticating nothing.
 */
import { describe, expect, test } from 'vitest';
import { attackPage } from '../support/attacker.ts';
import { attackScene } from '../support/attack-scene.ts';
import { e2eBrowsers, scenarioBrowsers } from '../support/browsers.ts';
import { until } from '../support/both.ts';
import { describeSeen, type SeenRequest } from '../support/trust-site.ts';

/** The uploaded attack script: requests to M's in-session probes from wherever it runs. */
function probes(M: string, tag: string): string {
  return `
    const M = ${JSON.stringify(M)};
    new Image().src = M + '/p256/probe/${tag}-img';
    fetch(M + '/p256/probe/${tag}-cors', { credentials: 'include' }).then((r) => r.text()).then((t) => { document.title = t; }, () => {});
    fetch(M + '/p256/probe/${tag}-nocors', { mode: 'no-cors', credentials: 'include' }).catch(() => {});
    const f = document.createElement('iframe');
    f.src = M + '/p256/probe/${tag}-frame';
    document.body.appendChild(f);
  `;
}

describe.each(e2eBrowsers())('%s', (browserName) => {
  const scene = attackScene(browserName);

  /** The requests M received whose path starts with `prefix`, once `count` of them arrived. */
  async function seenAt(prefix: string, count: number, from: number): Promise<SeenRequest[]> {
    const { m, b } = scene;
    const pick = () => m.seen.slice(from).filter((r) => r.path.startsWith(prefix));
    await until(b, async () => pick().length >= count, `${count} request(s) at ${prefix}*`, 15_000);
    // The extension may decide late (a retry): give it a moment before judging.
    await new Promise((r) => setTimeout(r, 1500));
    return pick();
  }

  function failure(rule: string, what: string, seen: readonly SeenRequest[], trace: string): string {
    return `trust rule "${rule}" broke (${scene.b.name}) — ${what}\nrequests M received:\n${describeSeen(seen)}\n--- extension trace:\n${trace}`;
  }

  test.each([
    ['16a', 'uploads', 'M serves it with Content-Security-Policy: sandbox'],
    ['16b', 'preview', 'M\'s own page frames it in <iframe sandbox="allow-scripts">'],
  ])('%s: a sandboxed document of M (%s: %s) makes requests to M → none authenticated', async (id, kind) => {
    const { m, e, b } = scene;
    const tag = `sbx-${kind}`;
    m.upload(tag, `<!doctype html><title>upload</title><p>A user's upload</p><script>${probes(m.url, tag)}</script>`);
    const from = m.seen.length;
    const ePage = await b.newPage();
    await ePage.goto(e.page(`/to-${kind}.html`, attackPage('Look at this', '', `location.href = ${JSON.stringify(`${m.url}/p256/${kind}/${tag}`)};`)));
    const fromUpload = await seenAt(`/p256/probe/${tag}-`, 4, from);
    const all = m.seen.slice(from);
    const msg = async (what: string) =>
      failure('a document of an opaque origin never speaks for M, whatever its URL', what, all, await b.trace().catch(() => '?'));
    const carried = fromUpload.filter((r) => r.mutual !== 'none' || r.outcome === 'authenticated');
    expect(carried.length, await msg(`${carried.length} request(s) of the sandboxed document carried Authorization`)).toBe(0);
    if (kind === 'preview') {
      // M's own preview page around the sandboxed frame is M's document: its image is authenticated.
      const own = await seenAt('/p256/probe/preview-own', 1, from);
      expect(own.every((r) => r.mutual !== 'none'), await msg('M\'s own preview page lost its session')).toBe(true);
    }
    await ePage.close();
  });

  // Chromium's adapter must learn again, after the restart, which documents are sandboxed (its worker stops in
  // the middle of the page's requests). Firefox names no sandboxed document in its request details at all, and
  // stops the event page only after 500 ms without a request (startup.ts drains on runtime.onSuspend): the
  // page's images come further apart there, so the stop finds a quiet moment.
  test.skipIf(!scenarioBrowsers('stopped-background').includes(browserName))(
    '16c: after a background restart, a sandboxed document of M shown before it still does not speak for M; M\'s own page still does',
    async () => {
      const { m, e, b, mTab } = scene;
      const tag = 'sbx-restart';
      m.upload(tag, `<!doctype html><title>upload</title><script>
        let i = 0;
        setInterval(() => {
          if (i < 60) new Image().src = ${JSON.stringify(m.url)} + '/p256/probe/${tag}-' + (i++);
          // Later, after the restart: a frame navigation to M. CDP cannot ask the document while the navigation is
          // paused; what keeps it bare is Sec-Fetch-Site (cross-site from an opaque origin) — a regression test.
          if (i === ${browserName === 'firefox' ? 8 : 20}) {
            const f = document.createElement('iframe');
            f.src = ${JSON.stringify(m.url)} + '/p256/probe/${tag}-frame';
            document.body.appendChild(f);
          }
        }, ${browserName === 'firefox' ? 1200 : 200});
      </script>`);
      const ePage = await b.newPage();
      await ePage.goto(e.page('/to-restart.html', attackPage('Look at this', '', `location.href = ${JSON.stringify(`${m.url}/p256/uploads/${tag}`)};`)));
      await seenAt(`/p256/probe/${tag}-`, 2, 0);
      await b.stopBackground();
      const from = m.seen.length;
      const after = await seenAt(`/p256/probe/${tag}-`, 6, from);
      const framed = await seenAt(`/p256/probe/${tag}-frame`, 1, from);
      // M's own verified page, loaded before the restart: its requests are still M's.
      await mTab.evaluate((u) => void fetch(u), `${m.url}/p256/probe/own-after-restart`);
      const own = await seenAt('/p256/probe/own-after-restart', 1, from);
      const all = m.seen.slice(from);
      const msg = async (what: string) =>
        failure('a document of an opaque origin never speaks for M, whatever its URL (across a restart)', what, all, await b.trace().catch(() => '?'));
      expect(after.filter((r) => r.mutual !== 'none').length, await msg('a request of the sandboxed document carried Authorization after the restart')).toBe(0);
      expect(framed.filter((r) => r.mutual !== 'none').length, await msg('a frame the sandboxed document opened after the restart carried Authorization')).toBe(0);
      expect(own.every((r) => r.mutual !== 'none'), await msg('M\'s own page lost its session after the restart')).toBe(true);
      await ePage.close();
    },
  );

  test('17: a frame of another origin inside M\'s page navigates itself to an in-session URL of M → not authenticated', async () => {
    const { m, e, b } = scene;
    const ad = e.page('/ad.html', attackPage('Ad', '', `location.href = ${JSON.stringify(`${m.url}/p256/probe/ad-self`)};`));
    const from = m.seen.length;
    const ePage = await b.newPage();
    await ePage.goto(e.page('/to-embed.html', attackPage('Look at this', '', `location.href = ${JSON.stringify(`${m.url}/p256/embed?src=${encodeURIComponent(ad)}`)};`)));
    const self = await seenAt('/p256/probe/ad-self', 1, from);
    const own = await seenAt('/p256/probe/embed-own', 1, from);
    const all = m.seen.slice(from);
    const msg = async (what: string) =>
      failure('a frame\'s navigation is made by the document it replaces too: another origin\'s frame never speaks for M', what, all, await b.trace().catch(() => '?'));
    expect(self.filter((r) => r.mutual !== 'none').length, await msg('the ad frame\'s own navigation into M carried Authorization')).toBe(0);
    // The control: M's page framing M is M's own request.
    expect(own.every((r) => r.mutual !== 'none'), await msg('M\'s own frame lost its session')).toBe(true);
    await ePage.close();
  });

  test('18: E sends a keepalive request to M from pagehide while the tab navigates to M → not authenticated', async () => {
    const { m, e, b } = scene;
    const ePage = await b.newPage();
    // The tab was on M before (the extension intercepts it), then the user followed a link to E.
    await ePage.goto(`${m.url}/p256/`);
    await ePage.waitFor(() => document.body?.textContent?.includes('Authenticated as') ?? false, undefined, 20_000);
    const from = m.seen.length;
    await ePage.goto(e.page('/leaving.html', attackPage('Leaving', '', `
      const M = ${JSON.stringify(m.url)};
      addEventListener('pagehide', () => {
        for (let i = 0; i < 5; i++) fetch(M + '/p256/probe/unload-' + i, { keepalive: true, mode: 'no-cors', credentials: 'include' }).catch(() => {});
      });
      addEventListener('unload', () => {
        fetch(M + '/p256/probe/unload-u', { keepalive: true, mode: 'no-cors', credentials: 'include' }).catch(() => {});
      });
      setTimeout(() => { location.href = M + '/p256/'; }, 50);
    `)));
    const sent = await seenAt('/p256/probe/unload-', 6, from);
    const all = m.seen.slice(from);
    const msg = async (what: string) =>
      failure('a request belongs to the document that made it, not to the one that replaced it', what, all, await b.trace().catch(() => '?'));
    expect(sent.filter((r) => r.mutual !== 'none').length, await msg('a request of E\'s unloading page carried Authorization')).toBe(0);
    await ePage.close();
  });
});
