/**
 * Held requests end to end over HTTP: a real gateway, a real engine that verifies the token
 * it receives. carol asks, bob approves, the engine gets the request once, as carol, with bob
 * named as the approver; rejected, expired and oversized requests never reach it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { APPROVAL_USERS, RecordingEngine, approvalConfig, basicAuth, loggedIn } from '../support/approvals.js';
import { csrfOf } from '../support/http-client.js';

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const NEW_USER = JSON.stringify({ loginId: 'frank', roles: ['user'] });

describe('approval filter: hold, decide, send once', () => {
  const engine = new RecordingEngine();
  let gateway: TestGateway;

  beforeAll(async () => {
    await engine.start();
    gateway = await startTestGateway((dir) => approvalConfig(dir, engine.url));
    engine.trust(gateway.url, 'portcullis-approvals');
  });
  afterAll(async () => {
    await gateway?.stop();
    await engine.stop();
  });

  const ask = async (body = NEW_USER, as = 'carol') => {
    const carol = await loggedIn(gateway.url, as);
    const answer = await carol.request('POST', '/admin-api/users?notify=yes', body, JSON_HEADERS);
    return { carol, answer };
  };

  it('carol asks: 202 with the id and status URL; nothing reaches the engine; carol cannot approve her own', async () => {
    const before = engine.received.length;
    const { carol, answer } = await ask();
    expect(answer.status).toBe(202);
    const held = answer.json();
    expect(held).toMatchObject({ statusCode: 202, status: 'pending' });
    expect(held.statusUrl).toBe(`/approvals/${held.approvalId}`);
    expect(answer.location).toBe(held.statusUrl);
    expect(engine.received.length).toBe(before);

    const status = await carol.get(held.statusUrl, { accept: 'application/json' });
    expect(status.status).toBe(200);
    expect(status.json()).toMatchObject({ state: 'pending', mayDecide: false, requester: { loginId: 'carol' }, request: { method: 'POST', url: '/admin-api/users?notify=yes', body: NEW_USER } });

    const own = await carol.request('POST', `/api/account/approvals/${held.approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS);
    expect(own.status).toBe(403);
    expect(own.json().code).toBe('GW_APPROVAL_NOT_ALLOWED');
    // nor with her Basic credentials, nor in another spelling of her login
    const basic = await fetch(`${gateway.url}/api/account/approvals/${held.approvalId}/decision`, { method: 'POST', headers: { ...JSON_HEADERS, authorization: basicAuth('carol') }, body: JSON.stringify({ decision: 'approve' }) });
    expect(basic.status).toBe(403);
    expect(engine.received.length).toBe(before);
  });

  it('bob sees exactly what will be sent, approves; the engine gets it once, as carol, approved by bob', async () => {
    const before = engine.received.length;
    const { carol, answer } = await ask();
    const { approvalId } = answer.json();
    const bob = await loggedIn(gateway.url, 'bob');
    const list = (await bob.get('/api/account/approvals', { accept: 'application/json' })).json();
    const entry = list.toDecide.find((a: { id: string }) => a.id === approvalId);
    expect(entry).toMatchObject({ mayDecide: true, requester: { loginId: 'carol', name: 'Carol Danvers' }, request: { method: 'POST', url: '/admin-api/users?notify=yes', body: NEW_USER, headers: { 'content-type': 'application/json' } } });
    // what is kept never includes the session cookie
    expect(JSON.stringify(entry.request.headers)).not.toMatch(/cookie|portcullis_sid/i);

    const decided = await bob.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve', comment: 'ok for frank' }), JSON_HEADERS);
    expect(decided.status).toBe(200);
    expect(decided.json()).toMatchObject({ state: 'sent', result: { status: 201 } });

    expect(engine.received.length).toBe(before + 1);
    const got = engine.received.at(-1)!;
    expect(got).toMatchObject({ method: 'POST', url: '/admin-api/users?notify=yes', body: NEW_USER });
    expect(got.identity.userId).toBe('carol');
    expect(got.identity.approval).toEqual({ id: approvalId, approvedBy: ['bob'] });
    expect(got.headers.cookie).toBeUndefined();
    expect(got.headers['content-type']).toBe('application/json');

    // a second click changes nothing
    const again = await bob.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS);
    expect(again.status).toBe(409);
    const dave = await loggedIn(gateway.url, 'dave');
    expect((await dave.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS)).status).toBe(409);
    expect(engine.received.length).toBe(before + 1);

    // carol sees the result
    const status = (await carol.get(`/approvals/${approvalId}`, { accept: 'application/json' })).json();
    expect(status).toMatchObject({ state: 'sent', result: { status: 201 }, decisions: [{ by: 'bob', decision: 'approve', comment: 'ok for frank' }] });
    const page = await carol.get(`/approvals/${approvalId}`, { accept: 'text/html' });
    expect(page.text).toContain('approved and sent');
    expect(page.text).toContain('<strong>201</strong>');
    expect(page.text).not.toContain('<form');
  });

  it('a rejected request never reaches the engine', async () => {
    const before = engine.received.length;
    const { carol, answer } = await ask();
    const { approvalId } = answer.json();
    const dave = await loggedIn(gateway.url, 'dave');
    const rejected = await dave.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'reject', comment: 'no such team' }), JSON_HEADERS);
    expect(rejected.json()).toMatchObject({ state: 'rejected' });
    const bob = await loggedIn(gateway.url, 'bob');
    expect((await bob.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS)).status).toBe(409);
    await new Promise((r) => setTimeout(r, 1200)); // a sweep passes
    expect(engine.received.length).toBe(before);
    expect((await carol.get(`/approvals/${approvalId}`, { accept: 'application/json' })).json()).toMatchObject({ state: 'rejected', result: null });
  });

  it('who is neither requester nor approver learns nothing (404), and an unknown id is 404', async () => {
    const { answer } = await ask();
    const { approvalId } = answer.json();
    const erin = await loggedIn(gateway.url, 'erin');
    expect((await erin.get(`/approvals/${approvalId}`, { accept: 'application/json' })).status).toBe(404);
    const attempt = await erin.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS);
    expect(attempt.status).toBe(404);
    expect((await erin.get('/approvals/AAAAAAAAAAAAAAAAAAAAAA', { accept: 'application/json' })).json().code).toBe('GW_APPROVAL_NOT_FOUND');
    // not logged in: 401 for an API client, the login page for a browser
    expect((await fetch(`${gateway.url}/approvals/${approvalId}`, { headers: { accept: 'application/json' } })).status).toBe(401);
    const browser = await fetch(`${gateway.url}/approvals/${approvalId}`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(browser.status).toBe(302);
    expect(browser.headers.get('location')).toMatch(/^\/login\?returnTo=/);
  });

  it('a body larger than the rule keeps is refused with 413 and nothing is held', async () => {
    const before = (await gateway.context.durable.list('approval/')).length;
    const { answer } = await ask(JSON.stringify({ loginId: 'x', padding: 'p'.repeat(2000) }));
    expect(answer.status).toBe(413);
    expect(answer.json().code).toBe('GW_BODY_TOO_LARGE');
    expect((await gateway.context.durable.list('approval/')).length).toBe(before);
  });

  it('requests outside the start conditions pass straight through', async () => {
    const before = engine.received.length;
    const carol = await loggedIn(gateway.url, 'carol');
    const read = await carol.get('/admin-api/users/frank', { accept: 'application/json' });
    expect(read.status).toBe(201);
    expect(engine.received.length).toBe(before + 1);
    expect(engine.received.at(-1)!.identity.approval).toBeUndefined();
  });

  it('a Basic client is held too; its credentials are not what the engine receives', async () => {
    const before = engine.received.length;
    const answer = await fetch(`${gateway.url}/admin-api/users`, { method: 'POST', headers: { ...JSON_HEADERS, authorization: basicAuth('carol'), 'x-forwarded-for': '203.0.113.9' }, body: NEW_USER });
    expect(answer.status).toBe(202);
    const { approvalId } = await answer.json();
    const bob = await loggedIn(gateway.url, 'bob');
    await bob.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS);
    const got = engine.received.at(-1)!;
    expect(engine.received.length).toBe(before + 1);
    expect(got.headers.authorization).toMatch(/^Bearer /);
    expect(got.headers['x-forwarded-for']).toBeUndefined();
    expect(got.identity.userId).toBe('carol');
  });

  it('the browser flow: a page for the 202, the status page with a form; a post without the CSRF value is refused', async () => {
    const carol = await loggedIn(gateway.url, 'carol');
    const held = await carol.postForm('/admin-api/users', { loginId: 'grace' }, { accept: 'text/html' });
    expect(held.status).toBe(202);
    expect(held.text).toContain('Waiting for approval');
    const statusUrl = held.location!;
    const bob = await loggedIn(gateway.url, 'bob');
    const page = await bob.get(statusUrl, { accept: 'text/html' });
    expect(page.text).toContain('loginId=grace');
    expect(page.text).toContain('Carol Danvers');
    expect((await bob.postForm(`${statusUrl}/decision`, { decision: 'approve', csrf: 'x'.repeat(32) }, { accept: 'text/html' })).status).toBe(403);
    const before = engine.received.length;
    const posted = await bob.postForm(`${statusUrl}/decision`, { decision: 'approve', comment: '<b>fine</b>', csrf: csrfOf(page.text) }, { accept: 'text/html' });
    expect(posted.status).toBe(303);
    expect(engine.received.length).toBe(before + 1);
    expect(engine.received.at(-1)!.body).toBe('loginId=grace');
    const after = await carol.get(statusUrl, { accept: 'text/html' });
    expect(after.text).toContain('&lt;b&gt;fine&lt;/b&gt;');
    expect(after.text).not.toContain('<b>fine</b>');
  });

  it('the account page section lists what bob may decide and carol’s own requests; its form decides', async () => {
    const { carol, answer } = await ask(JSON.stringify({ loginId: '<img src=x onerror=alert(1)>' }));
    const { approvalId } = answer.json();
    const bob = await loggedIn(gateway.url, 'bob');
    const sessionOf = async (client: typeof bob) =>
      (await gateway.context.sessions.load({ headers: { cookie: [...client.jar].map(([k, v]) => `${k}=${v}`).join('; ') }, cookies: Object.fromEntries(client.jar), log: gateway.context.log } as never))!;
    const section = gateway.context.accountSections.find((s) => s.id === 'approvals')!;
    const bobSession = await sessionOf(bob);
    const html = await section.render({ request: {} as never, session: bobSession, csrf: bobSession.record.csrf });
    expect(html).toContain(`id="approval-${approvalId}"`);
    expect(html).toContain(`action="/account/approvals/${approvalId}/decision"`);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    const carolSession = await sessionOf(carol);
    const own = await section.render({ request: {} as never, session: carolSession, csrf: carolSession.record.csrf });
    expect(own).not.toContain(`action="/account/approvals/${approvalId}/decision"`);
    expect(own).toContain(`href="/approvals/${approvalId}"`);

    expect((await bob.postForm(`/account/approvals/${approvalId}/decision`, { decision: 'reject', comment: 'no' })).status).toBe(403);
    const posted = await bob.postForm(`/account/approvals/${approvalId}/decision`, { decision: 'reject', comment: 'not like this', csrf: bobSession.record.csrf });
    expect(posted.status).toBe(303);
    expect(posted.location).toMatch(/^\/account\?notice=You%20rejected/);
    expect((await carol.get(`/approvals/${approvalId}`, { accept: 'application/json' })).json().state).toBe('rejected');
  });

  it('no password, session id or token in the log', async () => {
    const logs = gateway.logs();
    for (const user of Object.values(APPROVAL_USERS)) expect(logs).not.toContain(user.password);
    expect(logs).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  });
});

describe('approval rules: two approvals, expiry', () => {
  const engine = new RecordingEngine();
  let gateway: TestGateway;
  let expiring: TestGateway;

  beforeAll(async () => {
    await engine.start();
    gateway = await startTestGateway((dir) => approvalConfig(dir, engine.url, { required: 2, maxOpenPerRequester: 3 }));
    expiring = await startTestGateway((dir) => approvalConfig(dir, engine.url, { expiresAfterSeconds: 1 }));
    engine.trust(gateway.url, 'portcullis-approvals');
  });
  afterAll(async () => {
    await gateway?.stop();
    await expiring?.stop();
    await engine.stop();
  });

  it('two approvals: the first keeps it pending, the same approver cannot count twice, the second sends it naming both', async () => {
    const carol = await loggedIn(gateway.url, 'carol');
    const { approvalId } = (await carol.request('POST', '/admin-api/users', NEW_USER, JSON_HEADERS)).json();
    const bob = await loggedIn(gateway.url, 'bob');
    const first = await bob.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS);
    expect(first.json()).toMatchObject({ state: 'pending' });
    const twice = await bob.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS);
    expect(twice.status).toBe(403);
    expect(engine.received.length).toBe(0);
    const dave = await loggedIn(gateway.url, 'dave');
    const second = await dave.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS);
    expect(second.json()).toMatchObject({ state: 'sent' });
    expect(engine.received.length).toBe(1);
    expect(engine.received[0]!.identity.approval?.approvedBy).toEqual(['bob', 'dave']);
  });

  it('one requester cannot pile up open requests: past the limit, 429 and nothing held', async () => {
    const carol = await loggedIn(gateway.url, 'carol');
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await carol.request('POST', '/admin-api/users', JSON.stringify({ loginId: `pile-${i}` }), JSON_HEADERS));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 429]);
    expect(answers[3]!.json().code).toBe('GW_RATE_LIMITED');
    // another requester is not affected
    const erin = await loggedIn(gateway.url, 'erin');
    expect((await erin.request('POST', '/admin-api/users', NEW_USER, JSON_HEADERS)).status).toBe(202);
  });

  it('an expired request is never sent, and cannot be approved any more', async () => {
    const before = engine.received.length;
    const carol = await loggedIn(expiring.url, 'carol');
    const { approvalId } = (await carol.request('POST', '/admin-api/users', NEW_USER, JSON_HEADERS)).json();
    await new Promise((r) => setTimeout(r, 2500));
    expect((await carol.get(`/approvals/${approvalId}`, { accept: 'application/json' })).json().state).toBe('expired');
    const bob = await loggedIn(expiring.url, 'bob');
    const late = await bob.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS);
    expect(late.status).toBe(409);
    expect(late.json().code).toBe('GW_APPROVAL_CLOSED');
    expect(engine.received.length).toBe(before);
  });
});

describe('approvers named by an operator module', () => {
  const engine = new RecordingEngine();
  let gateway: TestGateway;

  beforeAll(async () => {
    await engine.start();
    gateway = await startTestGateway(async (dir) => {
      // "the owner of the group being changed", looked up where the operator keeps it
      await writeFile(
        join(dir, 'group-owner.mjs'),
        `const owners = { builders: ['dave'] };
export async function ownerOf({ request, requester, route }) {
  const group = /^\\/admin-api\\/groups\\/([^/]+)\\//.exec(request.url)?.[1];
  if (group === 'broken') throw new Error('directory down');
  if (route !== 'admin-api' || !requester.loginId) return [];
  return owners[group] ?? [];
}\n`,
      );
      const config = await approvalConfig(dir, engine.url);
      config.routes![0]!.filters = [{ use: 'approval', when: { methods: ['POST'], paths: ['/admin-api/groups/**'] }, options: { approvers: { module: './group-owner.mjs#ownerOf' } } }];
      return config;
    });
    engine.trust(gateway.url, 'portcullis-approvals');
  });
  afterAll(async () => {
    await gateway?.stop();
    await engine.stop();
  });

  it('only the owner the module names may decide; a failing module holds nothing (503)', async () => {
    const carol = await loggedIn(gateway.url, 'carol');
    const held = await carol.request('POST', '/admin-api/groups/builders/members', JSON.stringify({ add: 'frank' }), JSON_HEADERS);
    expect(held.status).toBe(202);
    const { approvalId } = held.json();
    const bob = await loggedIn(gateway.url, 'bob'); // has the approver role, but this rule does not name roles
    expect((await bob.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS)).status).toBe(404);
    const dave = await loggedIn(gateway.url, 'dave');
    expect((await dave.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS)).json().state).toBe('sent');
    expect(engine.received.at(-1)!.identity.approval?.approvedBy).toEqual(['dave']);

    const broken = await carol.request('POST', '/admin-api/groups/broken/members', '{}', JSON_HEADERS);
    expect(broken.status).toBe(503);
    expect(broken.json().code).toBe('GW_APPROVAL_UNAVAILABLE');
    expect(gateway.logs()).toContain('the approver module failed');
  });
});

describe('approval routes under forward authentication', () => {
  const engine = new RecordingEngine();
  let gateway: TestGateway;

  beforeAll(async () => {
    await engine.start();
    gateway = await startTestGateway(async (dir) => ({
      ...(await approvalConfig(dir, engine.url)),
      server: { trustedProxies: ['127.0.0.1'] },
      forwardAuth: { enabled: true, trustedProxies: ['127.0.0.1'] },
    }));
  });
  afterAll(async () => {
    await gateway?.stop();
    await engine.stop();
  });

  it('a proxy asking whether it may send a request that needs approval is refused (403), and nothing is held', async () => {
    const before = (await gateway.context.durable.list('approval/')).length;
    const answer = await fetch(`${gateway.url}/auth/verify`, {
      headers: { authorization: basicAuth('carol'), 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/admin-api/users', 'x-forwarded-host': new URL(gateway.url).host, accept: 'application/json' },
    });
    // a 2xx would let the proxy send it without approval
    expect(answer.status).toBe(403);
    expect((await gateway.context.durable.list('approval/')).length).toBe(before);
    // a read on the same route is answered as usual
    const read = await fetch(`${gateway.url}/auth/verify`, {
      headers: { authorization: basicAuth('carol'), 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/admin-api/users/frank', 'x-forwarded-host': new URL(gateway.url).host },
    });
    expect(read.status).toBe(200);
  });
});
