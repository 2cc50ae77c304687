/**
 * Live key rotation against a real gateway and its real demo engine (engine-client verifying
 * by JWKS URL with its default 30 s cooldown): two `keys generate` rotations a few seconds
 * apart while users log in and call the engine. Not one request may fail verification.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { generateSigningKey, writeSigningKey } from '../../gateway/tokens/key-store.js';
import { demoConfig, startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';

const kidsOf = async (gw: TestGateway) => ((await (await fetch(`${gw.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);

describe('live key rotation', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(async (dir) => ({ ...(await demoConfig(dir)), tokens: { keyLeadSeconds: 1 }, loginThrottle: { maxEntryRequestsPerAddress: 100_000 } }));
  });
  afterAll(async () => gw?.stop());

  it('two rotations 2.5 s apart under load: new keys are published before they sign, 0 failed verifications', async () => {
    const keysDir = join(gw.dir, 'data', 'keys');
    const [initialKid] = await kidsOf(gw);
    const statuses = new Map<number, number>();
    let requests = 0;
    const end = Date.now() + 7_000;
    const worker = async (n: number) => {
      while (Date.now() < end) {
        const client = new CookieClient(gw.url);
        const login = await loginWithForm(client, n % 2 ? 'alice' : 'bob', n % 2 ? 'wonderland' : 'builder', '/app/');
        if (login.status !== 303) throw new Error(`login answered ${login.status}`);
        // a fresh session mints a fresh token: each one is signed with the key of that moment
        for (let i = 0; i < 5; i++) {
          const answer = await client.get('/app/whoami', { accept: 'application/json' });
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          requests++;
        }
      }
    };
    const published: string[][] = [];
    const rotations = (async () => {
      for (let r = 0; r < 2; r++) {
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        const key = await generateSigningKey('EdDSA');
        await writeSigningKey(keysDir, key);
        await new Promise((resolve) => setTimeout(resolve, 600));
        const kids = await kidsOf(gw);
        published.push(kids);
        expect(kids).toContain(key.kid); // announced before the lead time is over
      }
    })();
    await Promise.all([...Array.from({ length: 4 }, (_, n) => worker(n)), rotations]);

    expect(Object.fromEntries(statuses)).toEqual({ 200: requests });
    expect(requests).toBeGreaterThan(50);
    expect(published[0]).toContain(initialKid);
    // the second key signs one lead time after it was announced
    for (let i = 0; i < 40 && (gw.logs().match(/signing with the new key/g) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(gw.logs().match(/signing with the new key/g)).toHaveLength(2);
    // and a user who logs in now is served with it
    const client = new CookieClient(gw.url);
    await loginWithForm(client, 'alice', 'wonderland', '/app/');
    expect((await client.get('/app/whoami', { accept: 'application/json' })).status).toBe(200);
  });
});
