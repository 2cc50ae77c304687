import { describe, expect, it } from 'vitest';
import { originalRequestOf, routingPath } from '../../../gateway/forward-auth/original-request.js';
import { createRouteMatcher } from '../../../gateway/forward-auth/route-match.js';
import { cacheHeaders, answerHeaders } from '../../../gateway/forward-auth/answer.js';

const traefik = { 'x-forwarded-method': 'POST', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'App.Example.test', 'x-forwarded-uri': '/app/items?id=7', host: 'gateway:8080' };

describe('the original request of a forward-authentication sub-request', () => {
  it('reads the Traefik and Caddy headers: method, scheme, host (lower-cased), target', () => {
    expect(originalRequestOf(traefik)).toEqual({ method: 'POST', scheme: 'https', host: 'app.example.test', uri: '/app/items?id=7', path: '/app/items', query: '?id=7' });
  });

  it("reads nginx's X-Original-Method and X-Original-URI, with the Host of the sub-request", () => {
    const r = originalRequestOf({ 'x-original-method': 'GET', 'x-original-uri': '/admin/', host: 'portal.test:8443' });
    expect(r).toMatchObject({ method: 'GET', scheme: 'http', host: 'portal.test:8443', path: '/admin/' });
  });

  it('reads X-Original-URL (an absolute URL) for scheme, host and target', () => {
    const r = originalRequestOf({ 'x-original-url': 'https://Portal.test/app/x?y=1#frag', 'x-original-method': 'GET' });
    expect(r).toMatchObject({ scheme: 'https', host: 'portal.test', uri: '/app/x?y=1', path: '/app/x' });
  });

  it('reads the target of an Envoy check request from its path, the method from the request', () => {
    const r = originalRequestOf({ host: 'portal.test', 'x-forwarded-proto': 'https', 'x-forwarded-method': 'GET' }, { target: '/admin/x', method: 'DELETE' });
    expect(r).toMatchObject({ method: 'DELETE', host: 'portal.test', path: '/admin/x' });
  });

  it('refuses headers that disagree: a client can add a spelling the proxy does not set', () => {
    expect(() => originalRequestOf({ ...traefik, 'x-original-uri': '/public/' })).toThrow(/disagree/);
    expect(() => originalRequestOf({ ...traefik, 'x-original-method': 'GET' })).toThrow(/disagree/);
    expect(() => originalRequestOf({ ...traefik, 'x-original-url': 'https://app.example.test/public/' })).toThrow(/disagrees/);
    expect(() => originalRequestOf({ ...traefik, 'x-original-url': 'https://evil.test/app/items?id=7' })).toThrow(/disagrees/);
    expect(() => originalRequestOf({ ...traefik, 'x-original-url': 'http://app.example.test/app/items?id=7' })).toThrow(/disagrees/);
  });

  it('refuses what cannot be one request: a header twice, a list of hosts, a missing method or target, a bad scheme', () => {
    expect(() => originalRequestOf({ ...traefik, 'x-forwarded-host': ['a.test', 'b.test'] })).toThrow(/more than once/);
    expect(() => originalRequestOf({ ...traefik, 'x-forwarded-host': 'a.test, b.test' })).toThrow(/list/);
    expect(() => originalRequestOf({ ...traefik, 'x-forwarded-host': 'a.test/evil' })).toThrow(/host/);
    expect(() => originalRequestOf({ ...traefik, 'x-forwarded-method': undefined })).toThrow(/X-Forwarded-Method/);
    expect(() => originalRequestOf({ ...traefik, 'x-forwarded-method': 'GE T' })).toThrow(/HTTP method/);
    expect(() => originalRequestOf({ ...traefik, 'x-forwarded-uri': undefined })).toThrow(/X-Forwarded-Uri/);
    expect(() => originalRequestOf({ ...traefik, 'x-forwarded-proto': 'gopher' })).toThrow(/http or https/);
    expect(() => originalRequestOf({ ...traefik, 'x-original-url': 'not a url' })).toThrow(/absolute URL/);
  });
});

describe('the path a proxy routes on', () => {
  it.each([
    ['/app/x', '/app/x'],
    ['/app/../admin/', '/admin/'],
    ['/app/%2e%2e/admin/', '/admin/'],
    ['/app/%2E%2E/admin/x', '/admin/x'],
    ['/%61dmin/', '/admin/'],
    ['//admin//x', '/admin/x'],
    ['/app/./x/.', '/app/x/'],
    ['/../../admin/', '/admin/'],
    ['/app', '/app'],
  ])('%s is routed as %s', (uri, path) => {
    expect(routingPath(uri).path).toBe(path);
  });

  it.each(['/app/..%2fadmin/', '/app/..%2Fadmin/', '/app/..%5cadmin/', '/app\\..\\admin/', '/app/%zz', '/app/%00', 'app/x', '/app/ x', '/app/\u0001', '/' + 'a'.repeat(9000)])(
    'refuses %j',
    (uri) => {
      expect(() => routingPath(uri)).toThrow();
    },
  );

  it('keeps the query out of the routing path', () => {
    expect(routingPath('/app/x?next=/admin/')).toEqual({ path: '/app/x', query: '?next=/admin/' });
  });
});

describe('matching a route by host and prefix', () => {
  const route = (name: string, prefix: string, host?: string) => ({ route: { name, prefix, host } as never, name });
  const match = createRouteMatcher([route('all', '/'), route('app', '/app/'), route('admin-host', '/', 'admin.test'), route('admin-host-api', '/api/', 'admin.test:8443')]);

  it('prefers a route that names the host, then the longest prefix', () => {
    expect(match('portal.test', '/app/x')?.name).toBe('app');
    expect(match('portal.test', '/other')?.name).toBe('all');
    expect(match('admin.test', '/app/x')?.name).toBe('admin-host');
    expect(match('admin.test:8080', '/x')?.name).toBe('admin-host');
    expect(match('admin.test:8443', '/api/x')?.name).toBe('admin-host-api');
    expect(match('admin.test:8080', '/api/x')?.name).toBe('admin-host');
  });

  it('does not take a longer name that ends like the route host for it', () => {
    expect(match('evil-admin.test', '/x')?.name).toBe('all');
    expect(match('admin.test.evil', '/x')?.name).toBe('all');
  });
});

describe('the answer', () => {
  it('leaves the forwarding headers to the proxy and passes what the chain set', () => {
    expect(answerHeaders({ authorization: 'Bearer t', 'x-user': 'bob', 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'h' })).toEqual({ authorization: 'Bearer t', 'x-user': 'bob' });
  });

  it('is cacheable only with a positive cacheSeconds, and varies on the cookie', () => {
    expect(cacheHeaders(0)).toEqual({ 'cache-control': 'no-store' });
    expect(cacheHeaders(5)).toEqual({ 'cache-control': 'max-age=5', vary: 'Cookie, Authorization' });
  });
});
