/** Small URL helpers shared by the background's parts (total: never throw). */
import { originOf, serverKey } from '../../protocol/realm.ts';

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

/** `scheme://host:port` of a URL (the engine's server key), or undefined for a non-http(s) URL. */
export function serverOfUrl(url: string): string | undefined {
  const o = originOf(url);
  return o.ok ? serverKey(o.value) : undefined;
}

/** The URL without its fragment (a fragment change is the same document). */
export function withoutFragment(url: string): string {
  const i = url.indexOf('#');
  return i < 0 ? url : url.slice(0, i);
}

export function isMutualChallenge(v: string): boolean {
  return /(^|,)\s*mutual(\s|$|,)/i.test(v);
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, (e: unknown) => {
      clearTimeout(timer);
      reject(e instanceof Error ? e : new Error(String(e)));
    });
  });
}
