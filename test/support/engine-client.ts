/**
 * The project's client engine (src/protocol/client.ts) driven in-process over node:http, the way `mutual
 * fetch` drives it, for tests that need to keep one client alive across server events (an instance killed,
 * Redis restarted). It counts password prompts and the messages it sent, so a test can tell a silent new
 * key exchange from a new login.
 */
import { webRandom } from '../../src/bytes.ts';
import { exchange } from '../../src/cli/http-exchange.ts';
import { MutualClient, type ClientAction } from '../../src/protocol/client.ts';
import { prepareCredential } from '../../src/protocol/credentials.ts';

export interface EngineResult {
  action: ClientAction;
  status: number;
  body: Buffer;
}

export interface EngineClient {
  get(url: string): Promise<EngineResult>;
  /** Times the password was asked for (a login), and req-KEX-C1 messages sent (logins + silent re-keys). */
  readonly prompts: number;
  readonly keyExchanges: number;
}

export function engineClient(user: string, password: string): EngineClient {
  const client = new MutualClient({ random: webRandom, now: Date.now });
  const counts = { prompts: 0, keyExchanges: 0 };
  const get = async (url: string): Promise<EngineResult> => {
    let { seq, action } = client.beginRequest(url);
    let status = 0;
    let body: Buffer = Buffer.alloc(0);
    let prompted = false;
    for (let hops = 0; hops < 8; hops++) {
      if (action.type === 'send') {
        if (action.message === 'req-KEX-C1') counts.keyExchanges++;
        const res = await exchange(new URL(url), action.authorization !== undefined ? { authorization: action.authorization } : {});
        status = res.status;
        body = res.body;
        action = client.handleResponse(seq, res);
        continue;
      }
      if (action.type === 'login-required' && !prompted) {
        prompted = true;
        counts.prompts++;
        const cred = await prepareCredential(action.login.realm, user, password);
        if (!cred.ok) throw cred.error;
        client.addCredential(cred.value);
        action = client.resume(seq, action.login);
        continue;
      }
      break;
    }
    return { action, status, body };
  };
  return {
    get,
    get prompts() {
      return counts.prompts;
    },
    get keyExchanges() {
      return counts.keyExchanges;
    },
  };
}
