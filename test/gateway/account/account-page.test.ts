import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { startTestGateway, demoConfig, DEMO_USERS, type TestGateway } from '../../support/gateway.js';
import { CookieClient, csrfOf, loginWithForm } from '../../support/http-client.js';

const HTML = { accept: 'text/html' };
const EVIL = '<script>alert(1)</script>';

/** The account page's sessions, as its JSON answer lists them. */
async function sessionsOf(client: CookieClient): Promise<Array<{ sid: string; current: boolean; userAgent: string; address: string; authenticator: string }>> {
  const answer = await client.get('/account', { accept: 'application/json' });
  expect(answer.status).toBe(200);
  return answer.json().sessions;
}

async function loggedIn(gw: TestGateway, user: string, password: string, agent?: string): Promise<CookieClient> {
  const client = new CookieClient(gw.url);
  const form = await client.get('/login', agent ? { 'user-agent': agent } : {});
  const answer = await client.postForm('/login', { username: user, password, csrf: csrfOf(form.text), returnTo: '/' }, agent ? { 'user-agent': agent } : {});
  expect(answer.status).toBe(303);
  return client;
}

describe('/account over HTTP: who I am, my portals, my sessions', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway((dir) =>
      demoConfig(dir, {
        ...DEMO_USERS,
        alice: { ...DEMO_USERS.alice!, groups: ['readers'] },
        mallory: { password: 'mallory-pw', roles: ['user'], attributes: { firstName: EVIL, lastName: '"><img src=x onerror=alert(2)>' } },
      }),
    );
  }, 60_000);
  afterAll(async () => gw?.stop());

  it('sends an anonymous browser to log in and come back; an API client gets 401 with a challenge', async () => {
    const client = new CookieClient(gw.url);
    const page = await client.get('/account', HTML);
    expect(page.status).toBe(302);
    expect(page.location).toBe('/login?returnTo=%2Faccount');
    const api = await client.get('/account', { accept: 'application/json' });
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(api.json()).toMatchObject({ statusCode: 401, code: 'GW_UNAUTHENTICATED' });
    const post = await client.postForm('/account/sessions/end', { csrf: 'x', sid: 'y' }, HTML);
    expect(post.status).toBe(303);
    expect(post.location).toBe('/login?returnTo=%2Faccount');
  });

  it('shows alice who she is: name, login, roles, groups, level and method', async () => {
    const alice = await loggedIn(gw, 'alice', 'wonderland');
    const page = await alice.get('/account', HTML);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('<dd id="who-name">Alice Liddell</dd>');
    expect(page.text).toContain('<dd id="who-login">alice</dd>');
    expect(page.text).toContain('<dd id="who-roles">user</dd>');
    expect(page.text).toContain('<dd id="who-groups">readers</dd>');
    expect(page.text).toMatch(/<dd id="who-level">weak/);
    expect(page.text).toContain('<dd id="who-method">password, via local</dd>');
    // the sections come in their order, each under its own heading and fragment
    expect(page.text.indexOf('id="who"')).toBeLessThan(page.text.indexOf('id="sessions"'));
  });

  it('lists only the portals alice may open, on /account and on /; bob (admin) sees both', async () => {
    const alice = await loggedIn(gw, 'alice', 'wonderland');
    for (const path of ['/account', '/']) {
      const page = await alice.get(path, HTML);
      expect(page.text).toContain('<a href="/app/">app</a>');
      expect(page.text).not.toContain('href="/admin/"');
    }
    expect((await alice.get('/', { accept: 'application/json' })).json().portals).toEqual([{ name: 'app', prefix: '/app/', href: '/app/', stepUp: false }]);
    // the list and the route agree: /admin/ refuses her
    expect((await alice.get('/admin/', HTML)).status).toBe(403);
    const bob = await loggedIn(gw, 'bob', 'builder');
    const page = await bob.get('/', HTML);
    expect(page.text).toContain('href="/app/"');
    expect(page.text).toContain('href="/admin/"');
  });

  it('lists her sessions with where and when, marks the current one, and ends another: its cookie is refused at once and its tokens are forgotten', async () => {
    const here = await loggedIn(gw, 'alice', 'wonderland', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36');
    const there = await loggedIn(gw, 'alice', 'wonderland', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0');
    // the other session gets a cached engine token
    expect((await there.get('/app/', HTML)).status).toBe(200);

    const listed = await sessionsOf(here);
    const current = listed.find((s) => s.current)!;
    const other = listed.find((s) => s.userAgent === 'Firefox on Windows')!;
    expect(current.userAgent).toBe('Chrome on Linux');
    expect(other).toMatchObject({ current: false, address: '127.0.0.1', authenticator: 'local' });
    expect(gw.context.minter.cachedTokenFor(other.sid, 'app')).toBeDefined();

    const page = await here.get('/account', HTML);
    expect(page.text).toMatch(/<tr class="current" aria-current="true"><td>Chrome on Linux/);
    expect(page.text).toContain(`name="sid" value="${other.sid}"`);
    expect(page.text).not.toContain(`name="sid" value="${current.sid}"`);

    const ended = await here.postForm('/account/sessions/end', { csrf: csrfOf(page.text), sid: other.sid }, HTML);
    expect(ended.status).toBe(303);
    expect(ended.location).toBe('/account?notice=The%20session%20was%20ended.#sessions');
    expect((await here.get('/account?notice=The%20session%20was%20ended.', HTML)).text).toContain('<p class="notice" role="status">The session was ended.</p>');

    // the other browser is sent to log in at its very next request, on a route and on its account page
    const refused = await there.get('/app/', HTML);
    expect(refused.status).toBe(302);
    expect(refused.location).toMatch(/^\/login\?returnTo=/);
    expect((await there.get('/account', HTML)).location).toBe('/login?returnTo=%2Faccount');
    expect(gw.context.minter.cachedTokenFor(other.sid, 'app')).toBeUndefined();
    expect((await sessionsOf(here)).map((s) => s.sid)).not.toContain(other.sid);
    expect(gw.logs()).toMatch(/"event":"session-ended"/);
  });

  it('ends a session for an API client with the session cookie and the CSRF token, answering JSON', async () => {
    const here = await loggedIn(gw, 'alice', 'wonderland');
    const there = await loggedIn(gw, 'alice', 'wonderland');
    const other = (await sessionsOf(there)).find((s) => s.current)!;
    const csrf = csrfOf((await here.get('/account', HTML)).text);
    const answer = await here.postForm('/account/sessions/end', { csrf, sid: other.sid });
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ ended: true, sid: other.sid });
  });

  it('refuses an end without the CSRF token of the session, or with another session’s token', async () => {
    const here = await loggedIn(gw, 'alice', 'wonderland');
    const there = await loggedIn(gw, 'alice', 'wonderland');
    const other = (await sessionsOf(there)).find((s) => s.current)!;
    const theirCsrf = csrfOf((await there.get('/account', HTML)).text);
    for (const csrf of [undefined, '', 'forged', theirCsrf]) {
      const form: Record<string, string> = { sid: other.sid };
      if (csrf !== undefined) form.csrf = csrf;
      const answer = await here.postForm('/account/sessions/end', form);
      expect(answer.status).toBe(403);
      expect(answer.json().code).toBe('GW_CSRF_INVALID');
    }
    // a browser's form post gets the refusal as a page
    const page = await here.postForm('/account/sessions/end', { sid: other.sid, csrf: 'forged' }, HTML);
    expect(page.status).toBe(403);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('<a class="button" href="/account">Back to your account</a>');
    expect((await there.get('/account', HTML)).status).toBe(200);
  });

  it('attack: alice cannot end bob’s session by its sid, nor by its store digest, nor by its cookie value', async () => {
    const alice = await loggedIn(gw, 'alice', 'wonderland');
    const bob = await loggedIn(gw, 'bob', 'builder');
    const bobSid = (await sessionsOf(bob)).find((s) => s.current)!.sid;
    const bobCookie = bob.jar.get('portcullis_sid')!;
    const bobStoreDigest = createHash('sha256').update(bobCookie).digest('base64url');
    const csrf = csrfOf((await alice.get('/account', HTML)).text);
    for (const sid of [bobSid, bobStoreDigest]) {
      const answer = await alice.postForm('/account/sessions/end', { csrf, sid });
      expect(answer.status).toBe(404);
      expect(answer.json()).toMatchObject({ code: 'GW_SESSION_UNKNOWN', message: expect.stringContaining('no session') });
    }
    const byCookie = await alice.postForm('/account/sessions/end', { csrf, sid: bobCookie });
    expect([400, 404]).toContain(byCookie.status);
    expect(byCookie.text).not.toContain(bobCookie);
    expect((await bob.get('/account', HTML)).status).toBe(200);
    expect((await alice.get('/account', { accept: 'application/json' })).text).not.toContain(bobSid);
  });

  it('refuses a malformed sid (400, field named) and her own current session (log out instead)', async () => {
    const alice = await loggedIn(gw, 'alice', 'wonderland');
    const own = (await sessionsOf(alice)).find((s) => s.current)!.sid;
    const csrf = csrfOf((await alice.get('/account', HTML)).text);
    const bad = await alice.postForm('/account/sessions/end', { csrf, sid: '../../etc' });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'GW_BAD_REQUEST', message: expect.stringMatching(/^sid:/) });
    const self = await alice.postForm('/account/sessions/end', { csrf, sid: own });
    expect(self.status).toBe(400);
    expect(self.json().message).toMatch(/log out/);
  });

  it('the login page and the 403 page say who is logged in and lead to the account page and the portals', async () => {
    const alice = await loggedIn(gw, 'alice', 'wonderland');
    const login = await alice.get('/login', HTML);
    expect(login.text).toMatch(/You are logged in as <strong>Alice Liddell<\/strong> \(alice\)/);
    expect(login.text).toContain('<a href="/account">Your account</a>');
    const denied = await alice.get('/admin/', HTML);
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('Logged in as <strong>Alice Liddell</strong> (alice)');
    expect(denied.text).toContain('href="/account"');
    expect(denied.text).toContain('href="/">Your portals</a>');
    // anonymous: no one named
    expect((await new CookieClient(gw.url).get('/login', HTML)).text).not.toContain('Logged in as');
  });

  it('attack: markup in a user’s attributes is escaped on every page that names them', async () => {
    const mallory = await loggedIn(gw, 'mallory', 'mallory-pw');
    for (const [path, status] of [['/account', 200], ['/', 200], ['/login', 200], ['/admin/', 403]] as const) {
      const page = await mallory.get(path, HTML);
      expect(page.status).toBe(status);
      expect(page.text).not.toContain(EVIL);
      expect(page.text).not.toContain('<img src=x');
      expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
    const notice = await mallory.get(`/account?notice=${encodeURIComponent(EVIL)}`, HTML);
    expect(notice.text).not.toContain(EVIL);
    expect(notice.text).toContain('<p class="notice" role="status">&lt;script&gt;');
    // the JSON answer carries the name as data, for the client to escape
    expect((await mallory.get('/account', { accept: 'application/json' })).json().user.attributes.firstName).toBe(EVIL);
  });

  it('writes no session cookie value into any log line', async () => {
    const alice = await loggedIn(gw, 'alice', 'wonderland');
    await alice.get('/account', HTML);
    expect(gw.logs()).not.toContain(alice.jar.get('portcullis_sid')!);
  });
});
