/** requestPath: the fast path for plain paths gives exactly what the full normalisation gives. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { requestPath } from '../../src/server/request-path.ts';

/** The normalisation without the fast path (the same steps as requestPath's slow path). */
function slow(url: string): string | undefined {
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

describe('requestPath', () => {
  it('agrees with the full normalisation on every path of a small alphabet (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('/', 'a', 'B', '0', '.', '-', '_', '~', '%', '2', 'e', 'F', '\\', '?', '#', ' ', 'é'), { maxLength: 24 }), (cs) => {
        const url = `/${cs.join('')}`;
        expect(requestPath(url), url).toBe(slow(url));
      }),
      { numRuns: 3000 },
    );
  });

  it('plain paths and queries', () => {
    expect(requestPath('/p256/res/img-1.svg?x=1')).toBe('/p256/res/img-1.svg');
    expect(requestPath('/a/./b')).toBe('/a/b');
    expect(requestPath('/a/../b')).toBe('/b');
    expect(requestPath('/.well-known/mutual-status')).toBe('/.well-known/mutual-status');
  });
});

describe('loosePath (protection is decided on both readings: fail closed)', () => {
  it('strips ;params, decodes twice and folds case, then normalizes again', async () => {
    const { loosePath, requestPath } = await import('../../src/server/request-path.ts');
    const loose = (u: string) => loosePath(requestPath(u)!);
    expect(loose('/public/..;/admin/x')).toBe('/admin/x');
    expect(loose('/admin;v=1/secret')).toBe('/admin/secret');
    expect(loose('/ADMIN/x')).toBe('/admin/x');
    expect(loose('/%2561dmin/x')).toBe('/admin/x');
    expect(loose('/p256/img/1.png')).toBe('/p256/img/1.png');
  });
});
