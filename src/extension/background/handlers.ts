/**
 * The named message handlers and the router that checks who may call them (docs/style.md §5–§8): the
 * sender's trust is judged from the browser's `sender`, never from the message; content scripts may ask
 * for their own tab's indicator only; only extension pages submit credentials or log out. Every answer is a
 * {@link Reply}: nothing throws across messaging, whatever arrives.
 */
import type { MutualBackground } from './core.ts';
import type { LocalStore } from './storage.ts';
import {
  ALLOWED, MESSAGE_NAMES, type AnyMessageRequest, type MessageMap, type MessageName, type MessageRequest, type Reply, type Trust,
} from '../shared/messages.ts';

/**
 * What the browser says about a message's sender (the fields read here; `runtime.MessageSender` of both
 * browsers, plus Chromium's `documentLifecycle` and `documentId`).
 */
export interface MessageSender {
  id?: string;
  url?: string;
  origin?: string;
  tab?: { id?: number; windowId?: number; url?: string; active?: boolean };
  frameId?: number;
  /** Chromium 106+: 'active', 'prerender', 'cached' or 'pending_deletion'. */
  documentLifecycle?: string;
  /** Chromium 106+: the sender document's id (the same id webNavigation.onCommitted reports). */
  documentId?: string;
}

export interface HandlerContext {
  core: MutualBackground;
  local: LocalStore;
  sender: MessageSender;
  /** The active tab of the last focused window (the popup's "current tab"). */
  activeTabId: () => Promise<number | undefined>;
  /** Absolute URL of the indicator frame's page (pages/indicator.html). */
  indicatorPage: string;
}

type Handler<N extends MessageName> = (req: MessageRequest<N>, ctx: HandlerContext) => Promise<MessageMap[N]['res']>;
export type Handlers = { [N in MessageName]: Handler<N> };

const MAX_FIELD = 4096;
const MAX_PHRASE = 200;

class BadMessage extends Error {}

function str(v: unknown, name: string, max = MAX_FIELD): string {
  if (typeof v !== 'string' || v.length > max) throw new BadMessage(`${name} must be a string of at most ${max} characters`);
  return v;
}

function tabIdOf(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new BadMessage('tabId must be a tab id');
  return v;
}

async function resolveTab(req: { tabId?: number }, ctx: HandlerContext): Promise<number> {
  if (req.tabId !== undefined) return tabIdOf(req.tabId);
  const id = await ctx.activeTabId();
  if (id === undefined) throw new BadMessage('no current tab');
  return id;
}

export const handlers: Handlers = {
  async indicator(req, ctx) {
    const tabId = ctx.sender.tab?.id;
    // A content script learns about its own tab and its own document only (sender.url is the browser's word),
    // only in the top frame (rule R5), and only while that document is the active one (not a bfcache'd or
    // prerendered page).
    if (tabId === undefined || ctx.sender.url === undefined || ctx.sender.frameId === undefined) return { show: false };
    if (ctx.sender.documentLifecycle !== undefined && ctx.sender.documentLifecycle !== 'active') return { show: false };
    return ctx.core.indicator(tabId, ctx.sender.url, ctx.sender.frameId, req.frame === true, ctx.sender.documentId);
  },
  async 'indicator-frame'(req, ctx) {
    // The indicator's own extension frame, inside the tab: it must be our indicator page, and it proves with the
    // one-time token of the verified document's top frame that it is that document's indicator (rule R5).
    const tab = ctx.sender.tab;
    if (tab?.id === undefined || ctx.sender.url === undefined) return { show: false };
    const page = ctx.sender.url.split(/[?#]/)[0];
    if (page !== ctx.indicatorPage) return { show: false };
    const token = req.token === undefined ? undefined : str(req.token, 'token', 64);
    return ctx.core.indicatorFrame(tab.id, tab.url, token);
  },
  async 'tab-status'(req, ctx) {
    return ctx.core.tabStatus(await resolveTab(req, ctx));
  },
  async sessions(_req, ctx) {
    return ctx.core.sessions();
  },
  async login(req, ctx) {
    const tabId = tabIdOf(req.tabId);
    // The login the UI showed: the core refuses the credentials if the tab's pending login is another one now.
    const shown = { server: str(req.server, 'server'), realm: str(req.realm, 'realm'), algorithm: str(req.algorithm, 'algorithm'), authScope: str(req.authScope, 'authScope') };
    return ctx.core.login(tabId, str(req.username, 'username'), str(req.password, 'password'), shown);
  },
  async 'cancel-login'(req, ctx) {
    return ctx.core.cancelLogin(tabIdOf(req.tabId));
  },
  async 'offer-login'(req, ctx) {
    return ctx.core.offeredLogin(tabIdOf(req.tabId));
  },
  async logout(req, ctx) {
    return ctx.core.logout(str(req.key, 'key'), req.tabId === undefined ? undefined : tabIdOf(req.tabId));
  },
  /** Extension pages only (ALLOWED): the options page and the login UI show the phrase. */
  async 'get-phrase'(_req, ctx) {
    return { phrase: await ctx.local.phrase.get() };
  },
  async 'set-phrase'(req, ctx) {
    const phrase = str(req.phrase, 'phrase', MAX_PHRASE).trim();
    if (phrase.length === 0) throw new BadMessage('the phrase must not be empty');
    await ctx.local.phrase.set(phrase);
    return { phrase };
  },
};

/** Judge a sender: our own pages, our content script in a web page, or anything else. */
export function trustOf(sender: MessageSender, extensionId: string, extensionOrigin: string): Trust {
  if (sender.id !== extensionId) return 'untrusted';
  const url = sender.url ?? '';
  if (url.startsWith(extensionOrigin)) {
    // The indicator page is web-accessible: any web page can frame it. It may only ask what it shows.
    return url.slice(extensionOrigin.length).replace(/^\/+/, '').split(/[?#]/)[0] === 'pages/indicator.html' ? 'indicator-frame' : 'extension-page';
  }
  if (sender.tab?.id !== undefined && /^https?:/i.test(url)) return 'content-script';
  return 'untrusted';
}

function isMessage(m: unknown): m is AnyMessageRequest {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string'
    && (MESSAGE_NAMES as readonly string[]).includes((m as { type: string }).type);
}

/** Route one message: check shape and trust, run the named handler, and always answer with a Reply. */
export async function route(msg: unknown, trust: Trust, ctx: HandlerContext, table: Handlers = handlers): Promise<Reply<unknown>> {
  if (!isMessage(msg)) return { ok: false, code: 'ERR_EXT_BAD_MESSAGE', message: 'unknown message' };
  if (!ALLOWED[trust].has(msg.type)) return { ok: false, code: 'ERR_EXT_FORBIDDEN', message: `${msg.type} is not allowed from this sender` };
  try {
    const h = table[msg.type] as (req: AnyMessageRequest, c: HandlerContext) => Promise<unknown>;
    return { ok: true, value: await h(msg, ctx) };
  } catch (e) {
    if (e instanceof BadMessage) return { ok: false, code: 'ERR_EXT_BAD_MESSAGE', message: e.message };
    // No stack, no secrets: just that it failed.
    return { ok: false, code: 'ERR_EXT_INTERNAL', message: 'internal error' };
  }
}
