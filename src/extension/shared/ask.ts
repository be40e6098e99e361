/** Typed messaging from extension pages and the content script to the background (never throws). */
import { webext } from './webext.ts';
import type { MessageMap, MessageName, Reply } from './messages.ts';

export async function ask<N extends MessageName>(type: N, req: MessageMap[N]['req']): Promise<Reply<MessageMap[N]['res']>> {
  try {
    const r = (await webext().runtime.sendMessage({ ...req, type })) as Reply<MessageMap[N]['res']> | undefined;
    return r ?? { ok: false, code: 'ERR_EXT_INTERNAL', message: 'no answer from the background' };
  } catch (e) {
    return { ok: false, code: 'ERR_EXT_INTERNAL', message: e instanceof Error ? e.message : String(e) };
  }
}
