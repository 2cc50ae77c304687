/**
 * Traefik and Envoy have no Debian package here, so their example configurations are checked
 * by contract: each test reads docs/forward-auth/<file>, builds exactly the sub-request that
 * proxy sends from it (Traefik's forwardAuth: a GET to `address` with the client's headers and
 * X-Forwarded-*; Envoy's HTTP ext_authz: the original method and Host, the path under
 * `path_prefix`, only the allowed headers) to a real gateway, and applies the answer the way
 * that proxy does (the headers it copies upstream, what it relays to the client).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decodeJwt } from 'jose';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { forwardAuthConfig, IDENTITY_HEADERS } from '../support/forward-auth-gateway.js';
import { renderExample } from '../support/reverse-proxies.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';
import { rawRequest, type RawAnswer } from '../support/raw-request.js';
import { SECURITY_HEADERS } from '../../gateway/http/security-headers.js';

let gw: TestGateway;
let aliceCookie: string;
let bobCookie: string;
const PLACEHOLDERS = { LISTEN_PORT: 10080, UPSTREAM_PORT: 10081 };

beforeAll(async () => {
  gw = await startTestGateway((dir) => forwardAuthConfig(dir));
  const login = async (user: string, password: string) => {
    const client = new CookieClient(gw.url);
    expect((await loginWithForm(client, user, password, '/app/')).status).toBe(303);
    return `portcullis_sid=${client.jar.get('portcullis_sid')}`;
  };
  [aliceCookie, bobCookie] = await Promise.all([login('alice', 'wonderland'), login('bob', 'builder')]);
}, 60_000);
afterAll(async () => {
  await gw?.stop();
});

const lower = (names: string[]) => names.map((n) => n.toLowerCase());

describe('Traefik forwardAuth (docs/forward-auth/traefik.yml)', () => {
  let middleware: { address: string; trustForwardHeader: boolean; authResponseHeaders: string[] };
  let clear: string[];

  beforeAll(async () => {
    const doc = parse(await renderExample('traefik.yml', { ...PLACEHOLDERS, GATEWAY_PORT: new URL(gw.url).port }));
    middleware = doc.http.middlewares.portcullis.forwardAuth;
    clear = Object.keys(doc.http.middlewares['portcullis-clear'].headers.customRequestHeaders);
    expect(doc.http.routers.applications.middlewares).toEqual(['portcullis-clear', 'portcullis']);
  });

  /** What Traefik sends: the client's headers (after the clearing middleware), its own X-Forwarded-*, always GET. */
  async function traefikAsks(method: string, uri: string, client: Record<string, string>): Promise<RawAnswer> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(client)) if (!lower(clear).includes(name.toLowerCase())) headers[name] = value;
    Object.assign(headers, {
      'x-forwarded-method': method,
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'portal.example.test',
      'x-forwarded-uri': uri,
      'x-forwarded-for': '192.0.2.10',
    });
    return rawRequest(middleware.address, { method: 'GET', headers });
  }

  it('copies the token and every identity header the gateway sets, and writes X-Forwarded-* itself', async () => {
    expect(middleware.trustForwardHeader).toBe(false);
    expect(lower(middleware.authResponseHeaders)).toEqual(expect.arrayContaining(['authorization', ...lower(Object.keys(IDENTITY_HEADERS))]));
    expect(lower(clear)).toEqual(expect.arrayContaining(lower(Object.keys(IDENTITY_HEADERS))));
    const r = await traefikAsks('POST', '/admin/items', { cookie: bobCookie, 'x-user': 'mallory' });
    expect(r.status).toBe(200);
    // the gateway's own response security headers are for the browser, not for the upstream
    for (const name of Object.keys(r.headers).filter((n) => n === 'authorization' || (n.startsWith('x-') && n !== 'x-request-id' && !(n in SECURITY_HEADERS)))) {
      expect(lower(middleware.authResponseHeaders), `Traefik would not copy ${name}`).toContain(name);
    }
    expect(r.headers['x-user']).toBe('bob');
    expect(decodeJwt(String(r.headers.authorization).replace(/^Bearer /, ''))).toMatchObject({ sub: 'bob', aud: 'admin' });
  });

  it('relays a 302 to the login page to an anonymous browser, and the refusal page to alice', async () => {
    const anonymous = await traefikAsks('GET', '/admin/x?y=1', { accept: 'text/html' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.location).toBe('/login?returnTo=%2Fadmin%2Fx%3Fy%3D1');
    const alice = await traefikAsks('GET', '/admin/x', { accept: 'text/html', cookie: aliceCookie });
    expect(alice.status).toBe(403);
    expect(alice.text).toMatch(/needs role (&#39;|')admin/);
  });

  it('a client that names another request in headers Traefik does not set cannot change the decision', async () => {
    const r = await traefikAsks('GET', '/admin/x', { cookie: aliceCookie, 'x-original-url': 'http://portal.example.test/app/', 'x-original-uri': '/app/', 'x-original-method': 'GET' });
    expect(r.status).toBe(403);
  });
});

describe('Envoy HTTP ext_authz (docs/forward-auth/envoy.yaml)', () => {
  let service: {
    server_uri: { uri: string };
    path_prefix: string;
    authorization_request: { allowed_headers: { patterns: Array<{ exact: string }> } };
    authorization_response: { allowed_upstream_headers: { patterns: Array<{ exact: string }> }; allowed_client_headers: { patterns: Array<{ exact: string }> } };
  };
  let removedBeforeCheck: string[];

  beforeAll(async () => {
    const doc = parse(await renderExample('envoy.yaml', { ...PLACEHOLDERS, GATEWAY_PORT: new URL(gw.url).port }));
    const hcm = doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
    const filters = hcm.http_filters as Array<{ name: string; typed_config: any }>;
    expect(filters.map((f) => f.name)).toEqual(['envoy.filters.http.header_mutation', 'envoy.filters.http.ext_authz', 'envoy.filters.http.router']);
    removedBeforeCheck = filters[0]!.typed_config.mutations.request_mutations.map((m: { remove: string }) => m.remove);
    service = filters[1]!.typed_config.http_service;
  });

  const allowedRequest = () => [...service.authorization_request.allowed_headers.patterns.map((p) => p.exact), 'host', 'authorization', 'content-length'];

  /** What Envoy sends: the original method and Host, the path under path_prefix, the allowed headers only. */
  async function envoyAsks(method: string, path: string, client: Record<string, string>): Promise<RawAnswer> {
    const headers: Record<string, string> = { host: 'portal.example.test', 'x-forwarded-proto': 'http', 'x-forwarded-for': '192.0.2.10', 'content-length': '0' };
    for (const [name, value] of Object.entries(client)) {
      if (removedBeforeCheck.includes(name.toLowerCase())) continue;
      if (allowedRequest().includes(name.toLowerCase())) headers[name.toLowerCase()] = value;
    }
    return rawRequest(`${service.server_uri.uri}${service.path_prefix}${path}`, { method, headers });
  }

  it('answers with the original method judged, and only headers Envoy copies upstream', async () => {
    const r = await envoyAsks('DELETE', '/admin/items/7?force=1', { cookie: bobCookie, 'x-user': 'mallory', 'x-original-uri': '/public/' });
    expect(r.status).toBe(200);
    const upstream = service.authorization_response.allowed_upstream_headers.patterns.map((p) => p.exact);
    expect(upstream).toEqual(expect.arrayContaining(['authorization', ...lower(Object.keys(IDENTITY_HEADERS))]));
    expect(removedBeforeCheck).toEqual(expect.arrayContaining(lower(Object.keys(IDENTITY_HEADERS))));
    expect(r.headers['x-user']).toBe('bob');
    expect(decodeJwt(String(r.headers.authorization).replace(/^Bearer /, ''))).toMatchObject({ sub: 'bob', aud: 'admin' });
  });

  it('sends an anonymous browser a 302 Envoy relays, and alice the refusal with its reason header', async () => {
    const client = service.authorization_response.allowed_client_headers.patterns.map((p) => p.exact);
    const anonymous = await envoyAsks('GET', '/app/x', { accept: 'text/html' });
    expect(anonymous.status).toBe(302);
    expect(client).toContain('location');
    expect(anonymous.headers.location).toBe('/login?returnTo=%2Fapp%2Fx');
    const alice = await envoyAsks('GET', '/admin/', { accept: 'text/html', cookie: aliceCookie });
    expect(alice.status).toBe(403);
    expect(client).toContain('x-portcullis-refusal');
    expect(alice.headers['x-portcullis-refusal']).toBe("this route needs role 'admin'");
  });

  it('judges the path Envoy routes: dot segments under the prefix cannot reach a weaker route', async () => {
    expect((await envoyAsks('GET', '/app/../admin/', { cookie: aliceCookie })).status).toBe(403);
    expect((await envoyAsks('GET', '/app/..%2Fadmin/', { cookie: aliceCookie })).status).toBe(400);
  });
});
