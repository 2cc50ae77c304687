import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig, startTestGateway, type TestGateway } from '../support/gateway.js';

const basic = (login: string, password: string) => ({ authorization: 'Basic ' + Buffer.from(`${login}:${password}`).toString('base64'), accept: 'application/json' });

describe('an address refused by the allow list never gets its credentials checked', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway(async (dir) => ({
      ...(await demoConfig(dir)),
      authenticators: [
        { type: 'file', name: 'local', usersFile: 'users.yaml' },
        { type: 'basic', name: 'api', users: 'local' },
      ],
      loginThrottle: { maxFailuresPerUser: 3 },
      routes: [
        // loopback is not on this list: every request from the test is refused by address
        { name: 'closed', prefix: '/closed/', upstream: 'http://demo-engine.invalid', filters: [{ use: 'ip-allow-list', options: { allow: ['10.0.0.0/8'] } }] },
        { name: 'app', prefix: '/app/', upstream: 'http://demo-engine.invalid' },
      ],
    }));
  });
  afterAll(async () => gw?.stop());

  it('answers 403 by address before looking at Basic credentials, and counts no failure', async () => {
    for (let i = 0; i < 5; i++) {
      const answer = await fetch(`${gw.url}/closed/whoami`, { headers: basic('bob', `wrong-${i}`) });
      expect(answer.status).toBe(403);
      expect((await answer.json()).code).toBe('GW_IP_DENIED');
    }
    // five wrong passwords were never checked, so bob is not locked out
    const allowed = await fetch(`${gw.url}/app/whoami`, { headers: basic('bob', 'builder') });
    expect(allowed.status).toBe(200);
    expect((await allowed.json()).user).toBe('bob');
  });
});
