/**
 * Configurable filter chains over real HTTP: a real gateway in front of a real upstream that
 * echoes what reached it. A route whose chain refuses by IP (always, or only for POST by a
 * start condition), routes that need `auth.strong` (403 without a stronger authenticator; a
 * trusted-header login that vouches auth.strong passes; with `stepUp` a browser is sent to the
 * SAML IdP and, back with MFA, gets in), and a route whose filters run in the stated order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { DEMO_USERS, startTestGateway, writeUsersFile, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';
import { startSamlGateway, loginThroughIdp } from '../support/saml-gateway.js';
import type { TestIdp } from '../support/saml-idp.js';
import { AC_MFA } from '../support/saml-xml.js';

const JSON_ACCEPT = { accept: 'application/json' };
const HTML = { accept: 'text/html' };

// a filter module as an operator would write one: records its label in order
const MARK_MODULE = `export default (options) => ({
  name: 'mark',
  phase: options.phase ?? 'before',
  priority: 500,
  why: 'records ' + options.label + ' in the order header',
  run(ctx) {
    const order = ctx.state.get('order') ?? [];
    order.push(options.label);
    ctx.state.set('order', order);
    if (ctx.response) ctx.response.headers['x-filter-order'] = order.join(',');
    else ctx.upstreamHeaders['x-filter-order'] = order.join(',');
  },
});
`;

let upstream: FastifyInstance;
let upstreamUrl: string;
let gw: TestGateway;

beforeAll(async () => {
  upstream = Fastify();
  upstream.all('/*', async (request) => ({ path: request.url, method: request.method, headers: request.headers }));
  await upstream.listen({ port: 0, host: '127.0.0.1' });
  upstreamUrl = `http://127.0.0.1:${(upstream.server.address() as { port: number }).port}`;

  gw = await startTestGateway(async (dir) => {
    await writeUsersFile(dir, { ...DEMO_USERS, fay: { password: 'ledger-2024', roles: ['user'], groups: ['finance'] } });
    await writeFile(join(dir, 'mark.mjs'), MARK_MODULE);
    await writeFile(
      join(dir, 'portal.yaml'),
      "operations: ['reports:view', 'reports:export']\nresources:\n  reports:\n    rules:\n" +
        '      - { scope: GROUP, operation: reports, permission: ALLOW, groups: [finance] }\n' +
        '      - { scope: OTHERS, operation: reports, permission: DENY }\n',
    );
    const mark = (name: string, label: string, extra: { priority?: number; when?: object; options?: object } = {}) => ({
      use: 'module:./mark.mjs',
      name,
      ...extra,
      options: { label, ...extra.options },
    });
    return {
      authenticators: [
        { type: 'file', name: 'local', usersFile: 'users.yaml' },
        { type: 'header', name: 'strong-agent', trustedProxies: ['loopback'], header: 'X-Strong-User', level: 'auth.strong' },
      ],
      globalFilters: [mark('global-mark', 'global', { priority: 150, when: { pathPrefixes: ['/ordered/'] } })],
      routes: [
        { name: 'ipall', prefix: '/ipall/', upstream: upstreamUrl, requireSession: false, filters: [{ use: 'ip-allow-list', options: { allow: ['192.0.2.0/24'] } }] },
        {
          name: 'ippost',
          prefix: '/ippost/',
          upstream: upstreamUrl,
          requireSession: false,
          filters: [{ use: 'ip-allow-list', options: { allow: ['192.0.2.0/24'] }, when: { methods: ['POST', 'PUT', 'DELETE'] } }],
        },
        { name: 'strong', prefix: '/strong/', upstream: upstreamUrl, policy: { requireLevel: 'auth.strong' } },
        {
          name: 'reports',
          prefix: '/reports/',
          upstream: upstreamUrl,
          filters: [{ use: 'authorize', options: { policyFiles: ['portal.yaml'], resource: 'reports', operation: { GET: 'reports:view', POST: 'reports:export' } } }],
        },
        {
          name: 'limited',
          prefix: '/limited/',
          upstream: upstreamUrl,
          requireSession: false,
          filters: [{ use: 'rate-limit', options: { max: 2, windowSeconds: 60 } }, { use: 'audit' }],
        },
        {
          name: 'ordered',
          prefix: '/ordered/',
          upstream: upstreamUrl,
          requireSession: false,
          filters: [
            mark('zeta', 'zeta', { priority: 120 }),
            mark('alpha', 'alpha', { priority: 120 }),
            mark('early', 'access', { priority: 900, options: { phase: 'access' } }),
            mark('traced', 'traced', { priority: 130, when: { headers: { 'x-trace': 'on' } } }),
            mark('report', 'after', { options: { phase: 'after' } }),
          ],
        },
      ],
    };
  });
});

afterAll(async () => {
  await gw?.stop();
  await upstream?.close();
});

describe('a chain that refuses by IP', () => {
  it('refuses every request from an address outside the allow list', async () => {
    const res = await fetch(`${gw.url}/ipall/x`, { headers: JSON_ACCEPT });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('GW_IP_DENIED');
  });

  it('with a start condition, refuses only the requests it names', async () => {
    const get = await fetch(`${gw.url}/ippost/report`, { headers: JSON_ACCEPT });
    expect(get.status).toBe(200);
    expect(((await get.json()) as { path: string }).path).toBe('/ippost/report');
    const post = await fetch(`${gw.url}/ippost/report`, { method: 'POST', headers: JSON_ACCEPT });
    expect(post.status).toBe(403);
    expect(((await post.json()) as { code: string }).code).toBe('GW_IP_DENIED');
  });
});

describe('a route authorized by policy documents', () => {
  it('lets the group the policy allows in and refuses others with the deciding rule', async () => {
    const fay = new CookieClient(gw.url);
    await loginWithForm(fay, 'fay', 'ledger-2024', '/reports/');
    expect((await fay.get('/reports/q3', JSON_ACCEPT)).status).toBe(200);
    expect((await fay.request('POST', '/reports/q3', '', JSON_ACCEPT)).status).toBe(200);
    const alice = new CookieClient(gw.url);
    await loginWithForm(alice, 'alice', 'wonderland', '/reports/');
    const refused = await alice.get('/reports/q3', JSON_ACCEPT);
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'GW_FORBIDDEN', message: expect.stringContaining('OTHERS rule portal.yaml#resources.reports.rules[1] denies reports') });
  });
});

describe('rate limit and audit', () => {
  it('answers 429 with Retry-After over the limit, and audits admitted requests without their query', async () => {
    for (let i = 0; i < 2; i++) expect((await fetch(`${gw.url}/limited/x?token=abc`, { headers: JSON_ACCEPT })).status).toBe(200);
    const over = await fetch(`${gw.url}/limited/x`, { headers: JSON_ACCEPT });
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await over.json()) as { code: string }).code).toBe('GW_RATE_LIMITED');
    const audits = gw.logs().split('\n').filter((l) => l.includes('"audit"'));
    expect(audits).toHaveLength(2);
    expect(audits[0]).toContain('"path":"/limited/x"');
    for (const line of audits) expect(line).not.toContain('token=abc');
  });
});

describe('a route that needs auth.strong', () => {
  it('answers 403 GW_LEVEL_INSUFFICIENT to a password session when no stronger authenticator is configured', async () => {
    const client = new CookieClient(gw.url);
    expect((await loginWithForm(client, 'alice', 'wonderland', '/strong/')).location).toBe('/strong/');
    const api = await client.get('/strong/data', JSON_ACCEPT);
    expect(api.status).toBe(403);
    expect(api.json().code).toBe('GW_LEVEL_INSUFFICIENT');
    const page = await client.get('/strong/', HTML);
    expect(page.status).toBe(403);
    expect(page.text).toContain('stronger login');
    // the same session may use an ordinary route
    expect((await client.get('/ippost/x', JSON_ACCEPT)).status).toBe(200);
  });

  it('lets in a caller an authenticator vouches for with auth.strong', async () => {
    const res = await fetch(`${gw.url}/strong/data`, { headers: { ...JSON_ACCEPT, 'x-strong-user': 'carol' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { path: string }).path).toBe('/strong/data');
  });
});

describe('a route whose filters run in the stated order', () => {
  it('runs access, then before by priority then name, then after; conditional filters only when they apply', async () => {
    const plain = await fetch(`${gw.url}/ordered/x`, { headers: JSON_ACCEPT });
    expect(plain.status).toBe(200);
    const seen = (await plain.json()) as { headers: Record<string, string> };
    expect(seen.headers['x-filter-order']).toBe('access,alpha,zeta,global');
    expect(plain.headers.get('x-filter-order')).toBe('access,alpha,zeta,global,after');

    const traced = await fetch(`${gw.url}/ordered/x`, { headers: { ...JSON_ACCEPT, 'x-trace': 'on' } });
    expect(traced.headers.get('x-filter-order')).toBe('access,alpha,zeta,traced,global,after');
  });

  it('a global filter with a path condition stays out of other routes', async () => {
    const res = await fetch(`${gw.url}/ippost/x`, { headers: JSON_ACCEPT });
    expect(((await res.json()) as { headers: Record<string, string> }).headers['x-filter-order']).toBeUndefined();
  });
});

describe('step-up to a stronger authenticator', () => {
  let saml: TestGateway;
  let idp: TestIdp;
  beforeAll(async () => {
    ({ gw: saml, idp } = await startSamlGateway({}, {
      config: {
        routes: [
          { name: 'app', prefix: '/app/', upstream: 'http://demo-engine.invalid' },
          { name: 'vault', prefix: '/vault/', upstream: upstreamUrl, policy: { requireLevel: 'auth.strong', stepUp: 'corp-saml' } },
        ],
      },
    }));
  });
  afterAll(() => saml?.stop());

  it('sends a browser with a password session to the IdP, and lets it in after an MFA login', async () => {
    const client = new CookieClient(saml.url);
    await loginWithForm(client, 'alice', 'wonderland', '/app/');
    const api = await client.get('/vault/secret', JSON_ACCEPT);
    expect(api.status).toBe(403);
    expect(api.json().code).toBe('GW_LEVEL_INSUFFICIENT');
    const page = await client.get('/vault/secret', HTML);
    expect(page.status).toBe(302);
    expect(page.location).toBe('/saml/login?returnTo=%2Fvault%2Fsecret');

    idp.users.alice!.authnContextClassRef = AC_MFA;
    const back = await loginThroughIdp(client, '/vault/secret');
    expect(back.location).toBe('/vault/secret');
    const inside = await client.get('/vault/secret', JSON_ACCEPT);
    expect(inside.status).toBe(200);
    expect(inside.json().path).toBe('/vault/secret');
  });
});
