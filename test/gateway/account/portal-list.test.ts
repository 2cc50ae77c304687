import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestGateway, writeUsersFile, type TestGateway } from '../../support/gateway.js';
import { CookieClient, loginWithForm } from '../../support/http-client.js';

const HTML = { accept: 'text/html' };

/**
 * The portal list is the routes' own decision: every route below refuses or admits by
 * another of its access filters, and the list must agree with what opening it answers.
 */
describe('the portal list decides with the routes’ access filters', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway(async (dir) => {
      await writeUsersFile(dir, {
        fin: { password: 'fin-pw', roles: ['user'], groups: ['finance'] },
        eve: { password: 'eve-pw', roles: ['user'] },
      });
      await writeFile(
        join(dir, 'portal.yaml'),
        "operations: ['reports:view']\nresources:\n  reports:\n    rules:\n" +
          '      - { scope: GROUP, operation: reports, permission: ALLOW, groups: [finance] }\n' +
          '      - { scope: OTHERS, operation: reports, permission: DENY }\n',
      );
      return {
        authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }],
        routes: [
          { name: 'open', prefix: '/open/', upstream: 'http://demo-engine.invalid' },
          { name: 'reports', prefix: '/reports/', upstream: 'http://demo-engine.invalid', filters: [{ use: 'authorize', options: { policyFiles: ['portal.yaml'], resource: 'reports', operation: 'reports:view' } }] },
          { name: 'office', prefix: '/office/', upstream: 'http://demo-engine.invalid', filters: [{ use: 'ip-allow-list', options: { allow: ['10.0.0.0/8'] } }] },
          { name: 'no-eve', prefix: '/no-eve/', upstream: 'http://demo-engine.invalid', policy: { denyUsers: ['eve'] } },
          { name: 'strong', prefix: '/strong/', upstream: 'http://demo-engine.invalid', policy: { requireLevel: 'auth.strong' } },
          // a portal with a rate limit of one request: looking at the list must not use it up
          { name: 'limited', prefix: '/limited/', upstream: 'http://demo-engine.invalid', filters: [{ use: 'rate-limit', options: { max: 1, windowSeconds: 600 } }] },
          { name: 'public', prefix: '/public/', upstream: 'http://demo-engine.invalid', requireSession: false },
          // served by a reverse proxy on a host of its own, which asks the gateway (forward authentication)
          { name: 'wiki', prefix: '/', host: 'Wiki.example.test', policy: { allowGroups: ['finance'] } },
        ],
        forwardAuth: { enabled: true, trustedProxies: ['127.0.0.1'] },
        demoEngine: { enabled: true },
      };
    });
  }, 60_000);
  afterAll(async () => gw?.stop());

  async function portalsOf(user: string, password: string): Promise<{ client: CookieClient; names: string[] }> {
    const client = new CookieClient(gw.url);
    await loginWithForm(client, user, password);
    const answer = await client.get('/account', { accept: 'application/json' });
    return { client, names: answer.json().portals.map((p: { name: string }) => p.name) };
  }

  it('lists exactly the routes each user is let through, and the routes agree', async () => {
    for (const [user, password, expected] of [
      ['fin', 'fin-pw', ['open', 'reports', 'no-eve', 'limited', 'wiki']],
      ['eve', 'eve-pw', ['open', 'limited']],
    ] as const) {
      const { client, names } = await portalsOf(user, password);
      expect(names, user).toEqual(expected);
      // the listing ran no rate limit: each listed portal still opens; each unlisted one refuses
      for (const [prefix, name] of [['/open/', 'open'], ['/reports/', 'reports'], ['/office/', 'office'], ['/no-eve/', 'no-eve'], ['/strong/', 'strong']] as const) {
        const status = (await client.get(prefix, HTML)).status;
        // the demo engine answers its own 404 for paths it has no page for: the gateway let the request through
        const letThrough = ![302, 401, 403, 429].includes(status);
        expect(letThrough, `${user} on ${prefix}: ${status}`).toBe((expected as readonly string[]).includes(name));
      }
    }
    // the single request the limited route allows per address is still there after all the listing
    const { client } = await portalsOf('fin', 'fin-pw');
    for (let i = 0; i < 3; i++) await client.get('/', HTML);
    expect((await client.get('/limited/', HTML)).status).not.toBe(429);
    expect((await client.get('/limited/', HTML)).status).toBe(429);
  });

  it('links a forward-authentication route on its own host with the public URL’s scheme', async () => {
    const { client } = await portalsOf('fin', 'fin-pw');
    const wiki = (await client.get('/account', { accept: 'application/json' })).json().portals.find((p: { name: string }) => p.name === 'wiki');
    expect(wiki).toEqual({ name: 'wiki', prefix: '/', href: 'http://wiki.example.test/', stepUp: false });
    expect((await client.get('/account', HTML)).text).toContain('<a href="http://wiki.example.test/">wiki</a>');
  });

  it('the start page shows the same list', async () => {
    const { client } = await portalsOf('eve', 'eve-pw');
    const page = await client.get('/', HTML);
    expect(page.text).toContain('href="/open/"');
    for (const prefix of ['/reports/', '/office/', '/no-eve/', '/strong/', '/public/']) expect(page.text).not.toContain(`href="${prefix}"`);
  });
});
