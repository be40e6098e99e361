/**
 * The one typed map of every message between the popup / extension pages / content script and the
 * background (docs/style.md §6), the result shape that crosses the boundary (§5: nothing throws across
 * messaging), and which senders may send what (§7: content scripts ask for status only).
 */

export type TabState = 'none' | 'available' | 'verified' | 'failed';

export type LoginReasonView = 'initial' | 'auth-failed' | 'session-expired' | 'reauth-needed' | 'optional';

/** A login the background wants (or offers): what the login UI shows. Never carries keys. */
export interface LoginView {
  tabId: number;
  url: string;
  host: string;
  server: string;
  realm: string;
  algorithm: string;
  authScope: string;
  validation: string;
  reason: LoginReasonView;
  username?: string;
  /** True when the user asked for it (optional authentication); false when the site demanded it. */
  optional: boolean;
  /** RFC 8053 location-when-unauthenticated: where Cancel goes. */
  cancelLocation?: string;
  /**
   * The origin of the frame whose challenge caused this login, present only when it is not the tab's
   * top-level site (the login UI shows "asked by <origin>").
   */
  askedBy?: string;
}

/** What the UI may see of a session (no sid secrets besides the public sid, no keys, no pi). */
export interface SessionView {
  key: string;
  server: string;
  realm: string;
  algorithm: string;
  authScope: string;
  validation: string;
  username: string;
  active: boolean;
  verifiedSince?: number;
  requestsVerified: number;
  expiresAt?: number;
  /**
   * Whether the realm's pi is held (storage.session, memory only) for silent re-keying. Log out and a server
   * failure drop it; nothing keeps it beyond that (there is no "remember me" feature).
   */
  remembered: boolean;
}

export interface FailureView {
  at: number;
  url: string;
  host: string;
  /** Stable code for localization: an engine `ERR_MUTUAL_*` code or an extension `ERR_EXT_*` code. */
  code: string;
  message: string;
  /** 'server-failed' = the server did not prove itself; 'declined' = a challenge we cannot satisfy. */
  kind: 'server-failed' | 'declined';
}

export interface TabStatusView {
  tabId: number;
  state: TabState;
  url?: string;
  host?: string;
  session?: SessionView;
  login?: LoginView;
  lastFailure?: FailureView;
  /** Responses verified for the tab's current document (reset when another document commits). */
  requestsVerified: number;
}

export interface IndicatorView {
  show: boolean;
  host?: string;
  realm?: string;
  username?: string;
  phrase?: string;
  /**
   * Only to the top frame's content script of the verified document, when it asked for a frame: a one-time
   * token it passes to the indicator frame, which proves with it that it is that document's indicator.
   */
  frameToken?: string;
}

/**
 * Which login the user answered: the server and realm the login UI showed. The background refuses the
 * credentials when the tab's pending login is another one by now (the page navigated while the user typed).
 */
export type LoginTarget = Pick<LoginView, 'server' | 'realm' | 'algorithm' | 'authScope'>;

/** Stable codes of login outcomes, for the UI to localize (the message is English, for logs and fallbacks). */
export type LoginCode =
  | 'OK_VERIFIED'
  | 'ERR_LOGIN_WRONG_CREDENTIALS'
  | 'ERR_LOGIN_WRONG_CREDENTIALS_TLS'
  | 'ERR_LOGIN_SERVER_FAILED'
  | 'ERR_LOGIN_DECLINED'
  | 'ERR_LOGIN_CERTIFICATE_UNKNOWN'
  | 'ERR_LOGIN_NONE_PENDING'
  | 'ERR_LOGIN_SITE_CHANGED'
  | 'ERR_LOGIN_REALM_CHANGED'
  | 'ERR_LOGIN_BAD_INPUT'
  | 'ERR_LOGIN_UNREACHABLE'
  | 'ERR_LOGIN_NOT_ASKED'
  | 'ERR_LOGIN_TOO_MANY_ROUND_TRIPS'
  | 'ERR_LOGIN_UNCONFIRMED_REDIRECT';

export type LoginOutcome =
  | { result: 'verified'; code: 'OK_VERIFIED'; session: SessionView }
  | { result: 'wrong-credentials'; code: LoginCode; message: string }
  | { result: 'server-failed'; code: LoginCode; message: string; detail?: string }
  | { result: 'declined'; code: LoginCode; message: string; detail?: string }
  | { result: 'error'; code: LoginCode; message: string };

/** Every message: its request fields and the value of a successful answer. */
export interface MessageMap {
  /**
   * Content script → background: may this page show the verified indicator (never with the phrase)? With
   * `frame: true` (about to create the indicator frame) the answer carries a one-time frame token.
   */
  indicator: { req: { frame?: boolean }; res: IndicatorView };
  /**
   * The indicator's extension frame → background: what to show in it, with the personal phrase — only with
   * the token its top frame's content script got, while that document is still the verified one.
   */
  'indicator-frame': { req: { token?: string }; res: IndicatorView };
  /** Extension page → background: the trust status of a tab (the popup's current tab by default). */
  'tab-status': { req: { tabId?: number }; res: TabStatusView };
  /** Extension page → background: every session the client knows. */
  sessions: { req: Record<string, never>; res: SessionView[] };
  /** Extension page → background: the user's credentials for the tab's pending (or offered) login. */
  login: { req: { tabId: number; username: string; password: string } & LoginTarget; res: LoginOutcome };
  /** Extension page → background: the user declined to log in (RFC 8053 location-when-unauthenticated). */
  'cancel-login': { req: { tabId: number }; res: { location?: string } };
  /** Extension page → background: show the login form for an optional-authentication offer. */
  'offer-login': { req: { tabId: number }; res: LoginView | null };
  /** Extension page → background: log out of a session; its realm's key (pi) is always forgotten too. */
  logout: { req: { key: string; tabId?: number }; res: { location?: string } };
  /** Extension page → background: the personal phrase shown by the in-page indicator. */
  'get-phrase': { req: Record<string, never>; res: { phrase: string } };
  'set-phrase': { req: { phrase: string }; res: { phrase: string } };
}

export type MessageName = keyof MessageMap;

export type MessageRequest<N extends MessageName> = { type: N } & MessageMap[N]['req'];
export type AnyMessageRequest = { [N in MessageName]: MessageRequest<N> }[MessageName];

export type ErrorCode = 'ERR_EXT_FORBIDDEN' | 'ERR_EXT_BAD_MESSAGE' | 'ERR_EXT_NO_TAB' | 'ERR_EXT_INTERNAL' | 'ERR_EXT_NOT_FOUND';

export type Reply<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

export const MESSAGE_NAMES: readonly MessageName[] = [
  'indicator', 'indicator-frame', 'tab-status', 'sessions', 'login', 'cancel-login', 'offer-login', 'logout', 'get-phrase', 'set-phrase',
];

/** Who sent a message, judged by the background from the sender (never from the message itself). */
export type Trust = 'extension-page' | 'indicator-frame' | 'content-script' | 'untrusted';

/** What each kind of sender may ask (docs/style.md §7). */
export const ALLOWED: Readonly<Record<Trust, ReadonlySet<MessageName>>> = {
  'extension-page': new Set(MESSAGE_NAMES),
  /** pages/indicator.html, web-accessible (any page can frame it): only its own question. */
  'indicator-frame': new Set<MessageName>(['indicator-frame']),
  'content-script': new Set<MessageName>(['indicator']),
  untrusted: new Set<MessageName>(),
};
