/**
 * Several gateways on one durable store (a real Redis with its append-only file): a request
 * approved at the same moment on two gateways is sent once; the daily summary is sent once
 * per fire time; a gateway that stops between the approval and the sending leaves it to the
 * next start, which sends it once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { RecordingEngine, approvalConfig, loggedIn } from '../support/approvals.js';
import { TestSmtp } from '../support/smtp.js';
import { join } from 'node:path';

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const decide = (client: Awaited<ReturnType<typeof loggedIn>>, id: string, decision = 'approve') =>
  client.request('POST', `/api/account/approvals/${id}/decision`, JSON.stringify({ decision }), JSON_HEADERS);

describe('approvals on gateways sharing a durable store', () => {
  let redis: TestRedis;
  const engine = new RecordingEngine();
  const smtp = new TestSmtp();
  const gateways: TestGateway[] = [];

  // a fleet signs with one key: the engine trusts one JWKS
  const shared = (keyFile?: string) => (dir: string) =>
    approvalConfig(dir, engine.url, {
      ...(keyFile ? { tokens: { issuer: 'portcullis-approvals', privateKeyFile: keyFile } } : {}),
      session: { store: 'redis', redis: { url: redis.url } },
      durable: { backend: 'redis', redis: { url: redis.url } },
      notifications: { enabled: true, smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' }, from: 'portcullis@example.test', summarySchedule: '*/2 * * * * ?', outbox: { pollSeconds: 1 } },
    });

  beforeAll(async () => {
    redis = await startTestRedis(['--appendonly', 'yes']);
    await smtp.start();
    await engine.start();
    const first = await startTestGateway(shared());
    gateways.push(first, await startTestGateway(shared(join(first.dir, 'data', 'keys', 'signing-key.pem'))));
    engine.trust(gateways[0]!.url, 'portcullis-approvals');
  });
  afterAll(async () => {
    for (const g of gateways) await g.stop().catch(() => {});
    await engine.stop();
    await smtp.stop();
    await redis?.stop();
  });

  it('two approvers click at the same moment on two gateways: sent once', async () => {
    const [a, b] = gateways as [TestGateway, TestGateway];
    const bob = await loggedIn(a.url, 'bob');
    const dave = await loggedIn(b.url, 'dave');
    const carol = await loggedIn(a.url, 'carol');
    for (let round = 0; round < 5; round++) {
      const before = engine.received.length;
      const { approvalId } = (await carol.request('POST', '/admin-api/users', JSON.stringify({ loginId: `race-${round}` }), JSON_HEADERS)).json();
      const answers = await Promise.all([decide(bob, approvalId), decide(dave, approvalId)]);
      const statuses = answers.map((x) => x.status).sort();
      expect(statuses, `round ${round}`).toEqual([200, 409]);
      await new Promise((r) => setTimeout(r, 300));
      expect(engine.received.length, `round ${round}`).toBe(before + 1);
      const got = engine.received.at(-1)!;
      expect(got.identity.userId).toBe('carol');
      const winner = answers.find((x) => x.status === 200)!.json().decisions[0].by;
      expect(got.identity.approval?.approvedBy).toEqual([winner]);
    }
    // and after several sweeps of both gateways, still once each
    await new Promise((r) => setTimeout(r, 2500));
    const bodies = engine.received.map((r) => r.body).filter((b) => b.includes('race-'));
    expect(new Set(bodies).size).toBe(bodies.length);
    expect(bodies.length).toBe(5);
  });

  it('the same approver on both gateways at once counts once', async () => {
    const [a, b] = gateways as [TestGateway, TestGateway];
    const carol = await loggedIn(b.url, 'carol');
    const bobA = await loggedIn(a.url, 'bob');
    const bobB = await loggedIn(b.url, 'bob');
    const before = engine.received.length;
    const { approvalId } = (await carol.request('POST', '/admin-api/users', JSON.stringify({ loginId: 'twice' }), JSON_HEADERS)).json();
    const answers = await Promise.all([decide(bobA, approvalId), decide(bobB, approvalId)]);
    expect(answers.filter((x) => x.status === 200)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(engine.received.length).toBe(before + 1);
  });

  it('the daily summary is sent once per fire time, whichever gateway wakes first', async () => {
    const [a] = gateways as [TestGateway];
    await loggedIn(a.url, 'bob'); // known to the gateways: his address and roles
    const carol = await loggedIn(a.url, 'carol');
    const { approvalId } = (await carol.request('POST', '/admin-api/users', JSON.stringify({ loginId: 'summary' }), JSON_HEADERS)).json();
    const summaries = () => smtp.to('bob@example.test').filter((m) => m.parsed.headers.get('x-portcullis-event') === 'daily-summary');
    await smtp.waitFor(() => summaries().some((m) => m.parsed.text!.includes(approvalId)), 10_000, 'a summary');
    await new Promise((r) => setTimeout(r, 4500));
    const fired = new Set(summaries().map((m) => m.parsed.messageId)).size;
    const mails = summaries();
    // one mail per fire time: as many as there are fire-time records, every Message-ID once
    expect(mails.length).toBe(fired);
    expect(mails.length).toBeGreaterThanOrEqual(2);
    const records = (await a.context.durable.list('summary/')).length;
    expect(mails.length).toBeLessThanOrEqual(records);
    // every fire time was taken by one gateway: no fire time in both gateways' logs
    const fires = gateways.flatMap((g) => g.logs().split('\n').filter((l) => l.includes('"event":"daily-summary"')).map((l) => JSON.parse(l).at as string));
    expect(fires.length).toBeGreaterThanOrEqual(2);
    expect(new Set(fires).size).toBe(fires.length);
    expect(mails.at(-1)!.parsed.text).toContain(`/approvals/${approvalId}`);
    expect(mails.at(-1)!.parsed.subject).toMatch(/^Your daily summary: \d+ approvals waiting$/);
  }, 20_000);

  it('a gateway stopped between the approval and the sending: the next start sends it, once', async () => {
    // one gateway left (the one whose key it signs with), so the restart is the only one that can send
    const [a, b] = gateways.splice(0, 2) as [TestGateway, TestGateway];
    await b.stop();
    const port = Number(new URL(engine.url).port);
    const carol = await loggedIn(a.url, 'carol');
    const bob = await loggedIn(a.url, 'bob');
    const { approvalId } = (await carol.request('POST', '/admin-api/users', JSON.stringify({ loginId: 'restart' }), JSON_HEADERS)).json();
    await engine.stop(); // the engine cannot be reached: nothing leaves the gateway
    const approved = await decide(bob, approvalId);
    expect(approved.json()).toMatchObject({ state: 'approved' });
    await a.stop();

    await engine.start(port);
    const before = engine.received.length;
    const restarted = await startTestGateway(shared());
    gateways.push(restarted);
    engine.trust(restarted.url, 'portcullis-approvals');
    const deadline = Date.now() + 10_000;
    while (engine.received.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(engine.received.length).toBe(before + 1);
    expect(engine.received.at(-1)!.body).toContain('restart');
    await new Promise((r) => setTimeout(r, 2500)); // more sweeps
    expect(engine.received.length).toBe(before + 1);
    const carolAgain = await loggedIn(restarted.url, 'carol');
    expect((await carolAgain.get(`/approvals/${approvalId}`, { accept: 'application/json' })).json()).toMatchObject({ state: 'sent', result: { status: 201 } });
  }, 30_000);
});
