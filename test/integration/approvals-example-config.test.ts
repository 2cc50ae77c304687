/**
 * config/examples/approvals.yaml works as it says: it validates, alice's change is held,
 * bob gets a mail and approves, and the demo engine receives the request once.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loader.js';
import type { PortcullisConfigInput } from '../../config/schema/index.js';
import { DEMO_USERS, startTestGateway, writeUsersFile, type TestGateway } from '../support/gateway.js';
import { TestSmtp } from '../support/smtp.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';

const EXAMPLE = resolve(import.meta.dirname, '../../config/examples/approvals.yaml');
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

describe('config/examples/approvals.yaml', () => {
  const smtp = new TestSmtp();
  let gw: TestGateway;

  beforeAll(async () => {
    await smtp.start();
    const loaded = await loadConfig(EXAMPLE, { env: {} });
    const input = structuredClone(loaded.config) as unknown as PortcullisConfigInput & { notifications: { smtp: { port: number } } };
    input.notifications.smtp.port = smtp.port;
    gw = await startTestGateway(async (dir) => {
      await writeUsersFile(dir, DEMO_USERS, 'demo-users.yaml');
      return { ...input, server: { ...input.server, port: 0 }, approvals: { sweepSeconds: 1 } };
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await smtp.stop();
  });

  const login = async (user: string, password: string) => {
    const client = new CookieClient(gw.url);
    await loginWithForm(client, user, password, '/app/');
    return client;
  };

  it('alice asks, bob is mailed and approves, the demo engine gets it once as alice', async () => {
    const bob = await login('bob', 'builder');
    const alice = await login('alice', 'wonderland');
    expect((await alice.get('/app/whoami', { accept: 'application/json' })).status).toBe(200); // reads pass
    const held = await alice.request('POST', '/app/users/carol', JSON.stringify({ roles: ['user'] }), JSON_HEADERS);
    expect(held.status).toBe(202);
    const { approvalId } = held.json();
    await smtp.waitFor((m) => m.some((x) => x.rcptTo.includes('bob@example.test')), 10_000, 'bob’s mail');
    expect(smtp.to('bob@example.test')[0]!.parsed.subject).toBe('Approval needed: Change a user account');
    const decided = await bob.request('POST', `/api/account/approvals/${approvalId}/decision`, JSON.stringify({ decision: 'approve' }), JSON_HEADERS);
    expect(decided.json()).toMatchObject({ state: 'sent' });
    const result = decided.json().result;
    expect(result.status).toBe(201);
    expect(JSON.parse(result.body)).toEqual({ changed: 'carol', user: 'alice', approval: { id: approvalId, approvedBy: ['bob'] } });
  });
});
