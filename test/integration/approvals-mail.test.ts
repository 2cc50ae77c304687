/**
 * Notification mail against a real SMTP server (smtp-server, with STARTTLS and AUTH), parsed
 * with mailparser: who gets what, in which language, with which links, and no secret in any
 * message. The approval flow end to end: carol asks, bob gets a mail, follows its link,
 * approves; the engine gets the request once; carol gets a mail in her language.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevCertificates } from '../../gateway/certs/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { APPROVAL_USERS, RecordingEngine, approvalConfig, loggedIn } from '../support/approvals.js';
import { TestSmtp, type ReceivedMail } from '../support/smtp.js';
import { CookieClient, csrfOf } from '../support/http-client.js';
import { randomBytes } from 'node:crypto';

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const SMTP_PASSWORD = 'smtp-secret-4711';
const NEW_USER = JSON.stringify({ loginId: 'frank' });

describe('notification mail', () => {
  const engine = new RecordingEngine();
  let smtp: TestSmtp;
  let gateway: TestGateway;
  const cookies: string[] = [];

  beforeAll(async () => {
    await engine.start();
    gateway = await startTestGateway(
      async (dir) => {
        const certs = await createDevCertificates({ dir: join(dir, 'pki'), hosts: ['127.0.0.1', 'localhost'] });
        smtp = new TestSmtp({ auth: { user: 'portcullis', password: SMTP_PASSWORD }, tls: { certFile: certs.server.cert, keyFile: certs.server.key } });
        await smtp.start();
        await mkdir(join(dir, 'templates'));
        // the operator's own German "approved" mail replaces the built-in one
        await writeFile(join(dir, 'templates', 'approval-approved.de.yaml'), 'subject: "Erledigt: {{ approval.description }}"\ntext: "Hallo {{ user.firstName }}, {{ approval.approvedBy }} hat freigegeben. Antwort: {{ approval.upstreamStatus }}. {{ approval.url }}"\nhtml: "<p>Hallo {{ user.firstName }}</p><p><a href=\\"{{ approval.url }}\\">Anfrage</a></p>"\n');
        return approvalConfig(dir, engine.url, {
          server: { trustedProxies: ['127.0.0.1'] },
          vault: { masterKeys: [{ id: 'mail-1', key: 'env://VAULT_KEY' }] },
          loginThrottle: { maxFailuresPerUser: 3, maxEntryRequestsPerAddress: 10_000 },
          metrics: { enabled: true, port: 0 },
          notifications: {
            enabled: true,
            smtp: { host: '127.0.0.1', port: smtp.port, security: 'starttls', caFile: certs.ca.cert, user: 'portcullis', password: 'env://SMTP_PASSWORD' },
            from: 'Portcullis <portcullis@example.test>',
            templatesDir: 'templates',
            events: { 'approval-approved': { mandatory: true } },
            outbox: { pollSeconds: 1, firstRetrySeconds: 1, maxRetrySeconds: 2 },
          },
        });
      },
      { SMTP_PASSWORD, VAULT_KEY: randomBytes(32).toString('base64') },
    );
    engine.trust(gateway.url, 'portcullis-approvals');
    // the approvers have logged in once: the gateway knows their address and roles
    for (const user of ['bob', 'dave', 'erin']) cookies.push(...(await loggedIn(gateway.url, user)).jar.values());
  });
  afterAll(async () => {
    await gateway?.stop();
    await smtp?.stop();
    await engine.stop();
  });

  const noSecrets = (mail: ReceivedMail) => {
    for (const user of Object.values(APPROVAL_USERS)) expect(mail.raw).not.toContain(user.password);
    expect(mail.raw).not.toContain(SMTP_PASSWORD);
    expect(mail.raw).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
    for (const cookie of cookies) expect(mail.raw).not.toContain(cookie);
  };

  it('carol asks: every approver gets a mail with the link; bob follows it, approves; carol gets hers in German', async () => {
    const carol = await loggedIn(gateway.url, 'carol');
    cookies.push(...carol.jar.values());
    const held = await carol.request('POST', '/admin-api/users', NEW_USER, JSON_HEADERS);
    expect(held.status).toBe(202);
    const { approvalId } = held.json();

    await smtp.waitFor((m) => m.some((x) => x.rcptTo.includes('bob@example.test')) && m.some((x) => x.rcptTo.includes('dave@example.test')), 10_000, 'the approvers’ mails');
    const toBob = smtp.to('bob@example.test').find((m) => m.parsed.text?.includes(approvalId))!;
    expect(toBob.parsed.subject).toBe('Approval needed: Create or change a user account');
    expect(toBob.parsed.from?.value[0]).toMatchObject({ name: 'Portcullis', address: 'portcullis@example.test' });
    expect(toBob.user).toBe('portcullis'); // authenticated, over STARTTLS (AUTH is refused in clear)
    expect(toBob.parsed.headers.get('x-portcullis-event')).toBe('approval-requested');
    expect(toBob.parsed.text).toContain('Carol Danvers (carol)');
    const link = `${gateway.url}/approvals/${approvalId}`;
    expect(toBob.parsed.text).toContain(link);
    expect(String(toBob.parsed.html)).toContain(`<a href="${link}">`);
    expect(smtp.to('carol@example.test').length).toBe(0); // the requester is not asked
    expect(smtp.to('erin@example.test').length).toBe(0); // not an approver
    noSecrets(toBob);

    const bob = await loggedIn(gateway.url, 'bob');
    const page = await bob.get(new URL(link).pathname, { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('&quot;loginId&quot;:&quot;frank&quot;');
    const decided = await bob.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve', comment: 'passt' }), JSON_HEADERS);
    expect(decided.json().state).toBe('sent');
    expect(engine.received.length).toBe(1);
    expect(engine.received[0]!.identity.userId).toBe('carol');
    expect(engine.received[0]!.identity.approval?.approvedBy).toEqual(['bob']);

    await smtp.waitFor((m) => m.some((x) => x.rcptTo.includes('carol@example.test')), 10_000, 'carol’s mail');
    const toCarol = smtp.to('carol@example.test')[0]!;
    // carol's language attribute is `de`, and the operator's template replaced the built-in one
    expect(toCarol.parsed.subject).toBe('Erledigt: Create or change a user account');
    expect(toCarol.parsed.text).toContain('Hallo Carol, bob hat freigegeben. Antwort: 201.');
    expect(String(toCarol.parsed.html)).toContain(`<a href="${link}">Anfrage</a>`);
    noSecrets(toCarol);
  });

  it('a rejection reaches the requester; dave unsubscribed from requests gets none; a mandatory event cannot be unsubscribed', async () => {
    const dave = await loggedIn(gateway.url, 'dave');
    const saved = await dave.request('PUT', '/api/account/notifications', JSON.stringify({ 'approval-requested': false }), JSON_HEADERS);
    expect(saved.status).toBe(200);
    expect(saved.json().subscriptions.find((s: { event: string }) => s.event === 'approval-requested')).toMatchObject({ subscribed: false, mandatory: false });
    const carol = await loggedIn(gateway.url, 'carol');
    const refused = await carol.request('PUT', '/api/account/notifications', JSON.stringify({ 'approval-approved': false, 'approval-rejected': true }), JSON_HEADERS);
    expect(refused.json().subscriptions.find((s: { event: string }) => s.event === 'approval-approved')).toMatchObject({ subscribed: true, mandatory: true });
    expect((await carol.request('PUT', '/api/account/notifications', JSON.stringify({ 'no-such-event': true }), JSON_HEADERS)).status).toBe(400);

    const daveBefore = smtp.to('dave@example.test').length;
    const { approvalId } = (await carol.request('POST', '/admin-api/users', NEW_USER, JSON_HEADERS)).json();
    await smtp.waitFor((m) => m.some((x) => x.rcptTo.includes('bob@example.test') && x.parsed.text!.includes(approvalId)), 10_000, 'bob’s mail');
    const bob = await loggedIn(gateway.url, 'bob');
    await bob.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'reject', comment: 'Nicht heute' }), JSON_HEADERS);
    await smtp.waitFor((m) => m.some((x) => x.rcptTo.includes('carol@example.test') && x.parsed.subject!.startsWith('Abgelehnt')), 10_000, 'the rejection');
    const rejection = smtp.to('carol@example.test').find((m) => m.parsed.subject!.startsWith('Abgelehnt'))!;
    expect(rejection.parsed.text).toContain('Kommentar: Nicht heute');
    expect(smtp.to('dave@example.test').length).toBe(daveBefore);
    expect(engine.received.length).toBe(1);
  });

  it('the account page sections render escaped forms with the CSRF value; the notifications form saves', async () => {
    const sections = gateway.context.accountSections.map((s) => s.id);
    expect(sections).toEqual(expect.arrayContaining(['approvals', 'notifications']));
    const erin = await loggedIn(gateway.url, 'erin');
    const session = await gateway.context.sessions.load({ headers: { cookie: [...erin.jar].map(([k, v]) => `${k}=${v}`).join('; ') }, cookies: Object.fromEntries(erin.jar), log: gateway.context.log } as never);
    expect(session).toBeDefined();
    const section = gateway.context.accountSections.find((s) => s.id === 'notifications')!;
    const html = await section.render({ request: {} as never, session: session!, csrf: session!.record.csrf });
    expect(html).toContain(`name="csrf" value="${session!.record.csrf}"`);
    expect(html).toMatch(/name="event:approval-approved" value="on" checked disabled/);
    const posted = await erin.postForm('/account/notifications', { csrf: session!.record.csrf, shown: 'new-address-login,daily-summary', 'event:daily-summary': 'on' });
    expect(posted.status).toBe(303);
    const now = (await erin.get('/api/account/notifications', { accept: 'application/json' })).json().subscriptions;
    expect(now.find((s: { event: string }) => s.event === 'new-address-login').subscribed).toBe(false);
    expect(now.find((s: { event: string }) => s.event === 'daily-summary').subscribed).toBe(true);
    expect((await erin.postForm('/account/notifications', { csrf: 'forged', shown: 'daily-summary' })).status).toBe(403);
  });

  it('a login from an address not seen before is reported; the first login and known addresses are not', async () => {
    const from = async (address: string) => {
      const client = new CookieClient(gateway.url);
      const form = await client.get('/login', { 'x-forwarded-for': address });
      const csrf = /name="csrf" value="([^"]+)"/.exec(form.text)![1]!;
      const answer = await client.postForm('/login', { username: 'dave', password: APPROVAL_USERS.dave!.password, csrf, returnTo: '/' }, { 'x-forwarded-for': address });
      expect(answer.status).toBe(303);
    };
    const mails = () => smtp.to('dave@example.test').filter((m) => m.parsed.headers.get('x-portcullis-event') === 'new-address-login');
    const before = mails().length;
    await from('198.51.100.7');
    await smtp.waitFor(() => mails().length === before + 1, 10_000, 'the new-address mail');
    const mail = mails().at(-1)!;
    expect(mail.parsed.subject).toBe('New login to your account from 198.51.100.7');
    expect(mail.parsed.text).toContain(`${gateway.url}/account`);
    await from('198.51.100.7');
    await new Promise((r) => setTimeout(r, 1500));
    expect(mails().length).toBe(before + 1);
  });

  it('a lockout is mailed to the account’s owner', async () => {
    const client = new CookieClient(gateway.url);
    for (let i = 0; i < 3; i++) {
      const form = await client.get('/login');
      const csrf = /name="csrf" value="([^"]+)"/.exec(form.text)![1]!;
      await client.postForm('/login', { username: 'Erin', password: `wrong-${i}`, csrf, returnTo: '/' });
    }
    await smtp.waitFor((m) => m.some((x) => x.rcptTo.includes('erin@example.test') && x.parsed.headers.get('x-portcullis-event') === 'account-locked'), 10_000, 'the lockout mail');
    const mail = smtp.to('erin@example.test').find((x) => x.parsed.headers.get('x-portcullis-event') === 'account-locked')!;
    expect(mail.parsed.subject).toMatch(/^Your account is locked for \d+ minutes$/);
    expect(mail.raw).not.toContain('wrong-');
  });

  it('the vault and the account page report through context.notifier', async () => {
    await gateway.context.notifier.notify({ type: 'credential-added', to: ['bob'], data: { 'credential.name': 'build bot', 'credential.service': 'GitLab' } });
    await smtp.waitFor((m) => m.some((x) => x.rcptTo.includes('bob@example.test') && x.parsed.headers.get('x-portcullis-event') === 'credential-added'), 10_000, 'the credential mail');
    const mail = smtp.to('bob@example.test').find((x) => x.parsed.headers.get('x-portcullis-event') === 'credential-added')!;
    expect(mail.parsed.text).toContain('the credential "build bot" for GitLab was added');
  });

  it('SMTP down: requests are not slowed, the outbox grows, and everything arrives when SMTP is back', async () => {
    await smtp.stop();
    const carol = await loggedIn(gateway.url, 'carol');
    const started = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const held = await carol.request('POST', '/admin-api/users', JSON.stringify({ loginId: `outage-${i}` }), JSON_HEADERS);
      expect(held.status).toBe(202);
      ids.push(held.json().approvalId);
    }
    expect(performance.now() - started).toBeLessThan(3000);
    // bob and the unsubscribed-from-nothing approvers: one mail each per request, waiting
    await new Promise((r) => setTimeout(r, 2500));
    const waiting = await gateway.context.durable.list('outbox/');
    expect(waiting.length).toBeGreaterThanOrEqual(3);
    expect(gateway.logs()).toMatch(/"event":"mail-failed"/);
    expect(gateway.logs()).toMatch(/"outboxSize":\d+/);
    const metrics = await (await fetch(gateway.metricsUrl!)).text();
    expect(Number(/^portcullis_mail_outbox_messages (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
    expect(metrics).toMatch(/^portcullis_mail_failures_total\{final="false"\} [1-9]/m);
    const arrivedBefore = smtp.received.length;

    await smtp.start(); // the same port
    await smtp.waitFor(() => ids.every((id) => smtp.to('bob@example.test').some((m) => m.parsed.text!.includes(id))), 15_000, 'the queued mails');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await gateway.context.durable.list('outbox/')).length).toBe(0);
    expect(await (await fetch(gateway.metricsUrl!)).text()).toMatch(/^portcullis_mail_outbox_messages 0$/m);
    // each exactly once
    for (const id of ids) expect(smtp.to('bob@example.test').filter((m) => m.parsed.text!.includes(id)).length).toBe(1);
    expect(smtp.received.length).toBeGreaterThan(arrivedBefore);
    expect(gateway.logs()).not.toContain(SMTP_PASSWORD);
  }, 40_000);

  it('tells the owner when a credential is added or removed and when one of their sessions is ended, without the value', async () => {
    const VALUE = 'ghp_canary_' + randomBytes(6).toString('hex');
    const here = await loggedIn(gateway.url, 'carol');
    const there = await loggedIn(gateway.url, 'carol');
    cookies.push(...here.jar.values(), ...there.jar.values());
    const csrf = (await here.request('GET', '/api/vault/credentials', undefined, { accept: 'application/json' })).json().csrfToken as string;
    const put = await here.request('PUT', '/api/vault/credentials/mail_probe', JSON.stringify({ value: VALUE }), { ...JSON_HEADERS, 'x-csrf-token': csrf });
    expect(put.status).toBe(201);
    expect((await here.request('DELETE', '/api/vault/credentials/mail_probe', undefined, { accept: 'application/json', 'x-csrf-token': csrf })).status).toBeLessThan(300);

    const account = await here.request('GET', '/account', undefined, { accept: 'application/json' });
    const other = (account.json().sessions as Array<{ sid: string; current: boolean }>).find((x) => !x.current)!;
    const page = await here.request('GET', '/account', undefined, { accept: 'text/html' });
    const ended = await here.request('POST', '/account/sessions/end', new URLSearchParams({ csrf: csrfOf(page.text), sid: other.sid }).toString(), { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' });
    expect(ended.status).toBe(200);

    const subjects = ['Ein Zugang wurde Ihrem Konto hinzugefügt', 'Ein Zugang wurde aus Ihrem Konto entfernt', 'Eine Ihrer Sitzungen wurde beendet'];
    await smtp.waitFor(() => subjects.every((subject) => smtp.to('carol@example.test').some((m) => m.parsed.subject === subject)), 10_000, 'carol’s vault and session mails');
    const mails = smtp.to('carol@example.test').filter((m) => subjects.includes(m.parsed.subject ?? ''));
    expect(mails.find((m) => m.parsed.subject === subjects[0])!.parsed.text).toContain('„mail_probe“');
    expect(mails.find((m) => m.parsed.subject === subjects[2])!.parsed.text).toContain('127.0.0.1');
    for (const mail of mails) {
      expect(mail.raw).not.toContain(VALUE);
      noSecrets(mail);
    }
  });
});
