/**
 * Lockout against a real gateway: attempts are counted before their password is checked,
 * and the lock is on the account, not on the spelling typed (form and Basic).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, writeUsersFile, type TestGateway } from '../support/gateway.js';
import { CookieClient, csrfOf } from '../support/http-client.js';

const USERS = { dave: { password: 'correct horse', roles: ['user'] }, erin: { password: 'battery staple', roles: ['user'] } };

async function start(): Promise<TestGateway> {
  return startTestGateway(async (dir) => {
    await writeUsersFile(dir, USERS);
    return {
      authenticators: [
        { type: 'file', name: 'local', usersFile: 'users.yaml' },
        { type: 'basic', name: 'api', users: 'local', realm: 'api' },
      ],
      loginThrottle: { maxFailuresPerUser: 5, maxFailuresPerAddress: 1000, maxEntryRequestsPerAddress: 10_000 },
      routes: [{ name: 'app', prefix: '/app/', upstream: 'http://demo-engine.invalid' }],
      demoEngine: { enabled: true },
    };
  });
}

async function formPoster(gateway: TestGateway) {
  const client = new CookieClient(gateway.url);
  const csrf = csrfOf((await client.get('/login')).text);
  return (username: string, password: string) => client.postForm('/login', { username, password, csrf, returnTo: '/app/' });
}

const basic = (gateway: TestGateway, login: string, password: string) =>
  fetch(`${gateway.url}/app/`, { headers: { authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`, accept: 'application/json' } });

describe('login lockout', () => {
  let gateway: TestGateway | undefined;
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  it('30 wrong passwords and the right one at once: the right one does not get in', async () => {
    gateway = await start();
    const post = await formPoster(gateway);
    const attempts = [...Array.from({ length: 30 }, (_, i) => post('dave', `wrong-${i}`)), post('dave', 'correct horse')];
    const answers = await Promise.all(attempts);
    const right = answers.at(-1)!;
    expect(right.status).toBe(429);
    expect(answers.filter((a) => a.status === 401).length).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.status === 302 || a.status === 303)).toHaveLength(0);
    // and afterwards, still locked
    expect((await post('dave', 'correct horse')).status).toBe(429);
  });

  it('the same race over Basic: no request gets through once the limit is reached', async () => {
    gateway = await start();
    const answers = await Promise.all([...Array.from({ length: 30 }, (_, i) => basic(gateway!, 'dave', `wrong-${i}`)), basic(gateway, 'dave', 'correct horse')]);
    expect(answers.at(-1)!.status).toBe(429);
    expect(answers.filter((a) => a.status === 401).length).toBeLessThanOrEqual(5);
    expect((await basic(gateway, 'dave', 'correct horse')).status).toBe(429);
  });

  it('a locked account is locked in every spelling: fullwidth, case, spaces (form and Basic)', async () => {
    gateway = await start();
    const post = await formPoster(gateway);
    for (let i = 0; i < 5; i++) expect((await post('dave', `wrong-${i}`)).status).toBe(401);
    for (const spelling of ['dave', 'ｄave', 'ＤＡＶＥ', 'Dave', 'dave ', ' dave']) {
      expect((await post(spelling, 'correct horse')).status, `form ${JSON.stringify(spelling)}`).toBe(429);
      expect((await basic(gateway, spelling, 'correct horse')).status, `basic ${JSON.stringify(spelling)}`).toBe(429);
    }
    // another account is not affected
    const erin = await post('erin', 'battery staple');
    expect([302, 303]).toContain(erin.status);
  });

  it('failures in other spellings count against the one account', async () => {
    gateway = await start();
    for (const spelling of ['dave', 'ｄave', 'DAVE', 'dave ', 'Ｄave']) expect((await basic(gateway, spelling, 'nope')).status).not.toBe(200);
    expect((await basic(gateway, 'dave', 'correct horse')).status).toBe(429);
  });

  it('a right password below the limit clears the count', async () => {
    gateway = await start();
    const post = await formPoster(gateway);
    for (let i = 0; i < 4; i++) expect((await post('dave', `wrong-${i}`)).status).toBe(401);
    expect([302, 303]).toContain((await post('dave', 'correct horse')).status);
    for (let i = 0; i < 4; i++) expect((await post('dave', `wrong-again-${i}`)).status).toBe(401);
    expect([302, 303]).toContain((await post('dave', 'correct horse')).status);
  });
});
