/** Fakes for the extension core in Node: an interceptor, a browser port backed by a ScriptedServer. */
import type { ResponseInput } from '../../src/protocol/client.ts';
import type { BrowserPort, FetchedResponse } from '../../src/extension/background/core.ts';
import type { HeaderEntry, Interceptor, InterceptorHandlers, ResumeResult, ResumeTab, TabControl } from '../../src/extension/background/interceptors/interceptor.ts';
import type { TabState } from '../../src/extension/shared/messages.ts';
import type { ScriptedServer } from '../support/scripted-server.ts';
import { translator, type Translate } from '../../src/extension/shared/translate.ts';
import en from '../../public/_locales/en/messages.json' with { type: 'json' };

/** i18n.getMessage over the English catalogue ($1… substituted), as the browser answers in English. */
export const englishText = translator((name, subs) =>
  (en as Record<string, { message: string } | undefined>)[name]?.message.replace(/\$([1-9])/g, (_, i: string) => subs[Number(i) - 1] ?? ''));

export class FakeInterceptor implements Interceptor {
  readonly name = 'fake';
  restartStrandsRequests = false;
  readonly attached = new Set<number>();
  start(_h: InterceptorHandlers): void {}
  async attach(tabId: number): Promise<boolean> {
    this.attached.add(tabId);
    return true;
  }
  /** Like the CDP adapter when `restartStrandsRequests`: a tab stuck in a load is replaced (unload, new tab, load). */
  async resume(tab: ResumeTab, tabs: TabControl): Promise<ResumeResult> {
    if (!this.restartStrandsRequests || !(tab.inFlight || (await tabs.tabLoading(tab.tabId)))) return { attached: await this.attach(tab.tabId) };
    await tabs.navigate(tab.tabId, 'about:blank');
    const id = await tabs.openBlankBeside(tab.tabId);
    if (id === undefined || tab.url === undefined) return { attached: false };
    const attached = await this.attach(id);
    await tabs.closeTab(tab.tabId);
    await tabs.navigate(id, tab.url);
    return { attached, replacedBy: id };
  }
  async detach(tabId: number): Promise<void> {
    this.attached.delete(tabId);
  }
  isAttached(tabId: number): boolean {
    return this.attached.has(tabId);
  }
  async certificate(): Promise<Uint8Array | undefined> {
    return undefined;
  }
  networkEnabled(): boolean {
    return false;
  }
}

export function entries(res: ResponseInput): HeaderEntry[] {
  const out: HeaderEntry[] = [];
  for (const [name, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    for (const value of typeof v === 'string' ? [v] : v) out.push({ name, value });
  }
  return out;
}

export class FakePort implements BrowserPort {
  readonly states: Array<{ tabId: number; state: TabState; title: string }> = [];
  text: Translate = englishText;
  readonly prompts: number[] = [];
  readonly reloads: number[] = [];
  readonly navigations: Array<{ tabId: number; url: string }> = [];
  constructor(private readonly server: ScriptedServer) {}
  async showState(tabId: number, state: TabState, title: string): Promise<void> {
    this.states.push({ tabId, state, title });
  }
  async openLoginUi(tabId: number): Promise<void> {
    this.prompts.push(tabId);
  }
  async reload(tabId: number): Promise<void> {
    this.reloads.push(tabId);
  }
  async navigate(tabId: number, url: string): Promise<void> {
    this.navigations.push({ tabId, url });
  }
  pageUrl(path: string): string {
    return `chrome-extension://test/${path}`;
  }
  async fetch(_url: string, init: { authorization?: string }): Promise<FetchedResponse> {
    const res = this.server.handle(init.authorization);
    return { status: res.status, headers: entries(res), body: new TextEncoder().encode('body') };
  }
  async waitForLoad(): Promise<void> {}
  async tabExists(): Promise<boolean> {
    return true;
  }
  async tabLoading(): Promise<boolean> {
    return false;
  }
  readonly closed: number[] = [];
  async openBlankBeside(): Promise<number | undefined> {
    return 99;
  }
  async closeTab(tabId: number): Promise<void> {
    this.closed.push(tabId);
  }
}
