/**
 * Refusals a browser meets through the login form are pages, API clients keep the JSON body.
 * The directory is a real connection refusal (nothing listens on the port).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, writeUsersFile, DEMO_USERS, type TestGateway } from '../support/gateway.js';
import { CookieClient, csrfOf } from '../support/http-client.js';

describe('browsers get pages for errors', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(async (dir) => {
      await writeUsersFile(dir, DEMO_USERS);
      return {
        authenticators: [
          {
            type: 'ldap',
            name: 'corp',
            servers: ['ldap://127.0.0.1:9'],
            bindDn: 'cn=svc,dc=example,dc=test',
            bindPassword: 'plain://x',
            searchBase: 'ou=people,dc=example,dc=test',
            connectTimeoutMs: 300,
            operationTimeoutMs: 500,
          },
        ],
      };
    });
  });
  afterAll(async () => gateway?.stop());

  async function postLogin(accept: string, csrf?: string) {
    const client = new CookieClient(gateway.url);
    const form = await client.get('/login');
    return client.postForm('/login', { username: 'dave', password: 'pw', csrf: csrf ?? csrfOf(form.text), returnTo: '/' }, { accept });
  }

  it('the directory down on the login form: a 503 page for the browser', async () => {
    const answer = await postLogin('text/html,application/xhtml+xml');
    expect(answer.status).toBe(503);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.text).toContain('<h1>');
    expect(answer.text).not.toContain('"statusCode"');
  });

  it('the same failure for an API client stays JSON', async () => {
    const answer = await postLogin('application/json');
    expect(answer.status).toBe(503);
    expect(answer.json()).toMatchObject({ statusCode: 503, code: 'GW_LDAP_UNAVAILABLE' });
  });

  it('an expired form (CSRF) is a 403 page for the browser', async () => {
    const answer = await postLogin('text/html', 'forged');
    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
