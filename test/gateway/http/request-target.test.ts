import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalTarget } from '../../../gateway/http/request-target.js';

const ok = (raw: string) => {
  const d = canonicalTarget(raw, 8192);
  if (!d.ok) throw new Error(`${raw} refused: ${d.message}`);
  return d;
};
const refused = (raw: string) => {
  const d = canonicalTarget(raw, 8192);
  if (d.ok) throw new Error(`${raw} accepted as ${d.url}`);
  return d;
};

describe('canonical request target', () => {
  it.each([
    ['/', '/', '/'],
    ['/a/b', '/a/b', '/a/b'],
    ['//admin/', '/admin/', '/admin/'],
    ['/a/./b/../c', '/a/c', '/a/c'],
    ['/a/b/..', '/a/', '/a/'],
    ['/../../etc/passwd', '/etc/passwd', '/etc/passwd'],
    ['/cond/secret;jsessionid=1/x', '/cond/secret/x', '/cond/secret/x'],
    ['/public/..;/admin/', '/admin/', '/admin/'],
    ['/%2e%2e/admin', '/admin', '/admin'],
    ['/%61dmin/', '/admin/', '/admin/'],
    ['/a%20b', '/a b', '/a%20b'],
    ['/%2561', '/%61', '/%2561'],
    ['/a:b@c,d=e&f$g+h', '/a:b@c,d=e&f$g+h', '/a:b@c,d=e&f$g+h'],
    ['/caf%C3%A9', '/café', '/caf%C3%A9'],
    ['/a?x=%2f&y=../z', '/a', '/a?x=%2f&y=../z'],
    ['/a%3Fb', '/a?b', '/a%3Fb'],
  ])('%s → path %s, upstream %s', (raw, path, url) => {
    expect(ok(raw)).toEqual({ ok: true, path, url });
  });

  it.each([
    ['/a%2fb', 'GW_PATH_AMBIGUOUS'],
    ['/a%2Fb', 'GW_PATH_AMBIGUOUS'],
    ['/a%5cb', 'GW_PATH_AMBIGUOUS'],
    ['/a%00', 'GW_PATH_AMBIGUOUS'],
    ['/a%3bb', 'GW_PATH_AMBIGUOUS'],
    ['/a\\b', 'GW_PATH_INVALID'],
    ['/a%0d%0aSet-Cookie:x', 'GW_PATH_INVALID'],
    ['/a%zz', 'GW_PATH_INVALID'],
    ['/a%', 'GW_PATH_INVALID'],
    ['/%c3%28', 'GW_PATH_INVALID'],
    ['http://evil/x', 'GW_PATH_INVALID'],
    ['*', 'GW_PATH_INVALID'],
  ])('%s is refused with %s', (raw, code) => {
    expect(refused(raw)).toMatchObject({ statusCode: 400, code });
  });

  it('answers 414 beyond the bound, counting the path only', () => {
    expect(refused('/' + 'a'.repeat(8192))).toMatchObject({ statusCode: 414, code: 'GW_PATH_TOO_LONG' });
    expect(ok('/' + 'a'.repeat(8191) + '?' + 'q'.repeat(9000)).path.length).toBe(8192);
  });

  it('is idempotent: the canonical target is its own canonical form', () => {
    for (const raw of ['/a/../b//c;x=1/%41', '/x/%2561/./y', '/caf%C3%A9/..;/z']) {
      const once = ok(raw);
      expect(ok(once.url)).toEqual(once);
    }
  });

  it('for any target: the canonical form is stable, has no dot or empty inner segments, and decodes to the path', () => {
    const piece = fc.constantFrom('/', 'a', 'B', '.', '..', ';x=1', '%2e', '%41', '%25', '%20', '//', '!', '$', ':', '@', '~', '%c3%a9', '?', '=', '%3f');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const d = canonicalTarget('/' + parts.join(''), 8192);
        if (!d.ok) return true;
        const again = canonicalTarget(d.url, 8192);
        const wirePath = d.url.split('?')[0]!;
        return (
          again.ok && again.url === d.url && again.path === d.path &&
          !/\/\.\.?(\/|$)|\/\/|;/.test(d.path) &&
          wirePath.split('/').map((s) => decodeURIComponent(s)).join('/') === d.path
        );
      }),
      { numRuns: 2000 },
    );
  });
});
