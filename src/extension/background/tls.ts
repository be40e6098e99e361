/**
 * `tls-server-end-point` bindings (RFC 5929 §4.1, RFC 8120 §7) per tab and server. Two sources: the
 * certificate of the response being checked, when the adapter has it at headers time (Firefox), or — CDP —
 * the certificate the tab saw, readable only after the response was released (docs/browser-notes.md in this
 * repository: "learn and re-check"). Kept in memory only: a restarted worker learns them again.
 */
import { tlsServerEndPoint } from '../../crypto/tls-server-end-point.ts';
import { originOf, serverKey } from '../../protocol/realm.ts';
import type { Interceptor } from './interceptors/interceptor.ts';
import { serverOfUrl } from './urls.ts';

export class TlsBindings {
  /** `${tabId} ${server}` → binding bytes. */
  private readonly bindings = new Map<string, Uint8Array>();

  constructor(private readonly interceptor: Interceptor) {}

  /** The binding known for the URL's server in this tab (HTTPS only). */
  get(tabId: number, url: string): Uint8Array | undefined {
    const o = originOf(url);
    if (!o.ok || o.value.scheme !== 'https') return undefined;
    return this.bindings.get(`${tabId} ${serverKey(o.value)}`);
  }

  /** The binding of a certificate the adapter handed over with a response (and remember it for the tab). */
  fromCertificate(tabId: number, url: string, der: Uint8Array): Uint8Array | undefined {
    const o = originOf(url);
    if (!o.ok || o.value.scheme !== 'https') return undefined;
    const b = tlsServerEndPoint(der);
    if (!b.ok) return undefined;
    this.bindings.set(`${tabId} ${serverKey(o.value)}`, b.value);
    return b.value;
  }

  /** Read the certificate the tab saw for the URL's origin (CDP) and remember its binding. */
  async learn(tabId: number, url: string): Promise<Uint8Array | undefined> {
    const o = originOf(url);
    if (!o.ok || o.value.scheme !== 'https') return undefined;
    const der = await this.interceptor.certificate(tabId, new URL(url).origin);
    return der ? this.fromCertificate(tabId, url, der) : undefined;
  }

  /**
   * Chromium keeps the certificates a page saw per page and clears them when the main frame goes to another
   * origin; so do the tab's bindings: one learned on an earlier page must not key a new exchange.
   */
  onTopLevelRequest(tabId: number, previousUrl: string | undefined, url: string): void {
    if (previousUrl === undefined || serverOfUrl(previousUrl) === serverOfUrl(url)) return;
    this.forgetTab(tabId);
  }

  forgetTab(tabId: number): void {
    for (const k of this.bindings.keys()) if (k.startsWith(`${tabId} `)) this.bindings.delete(k);
  }
}
