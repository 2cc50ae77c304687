/**
 * Two gateways behind one public URL share Redis: a login started at one can finish at the
 * other, and the one-time checks (request id, assertion id) hold across both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../support/gateway.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { TestIdp } from '../support/saml-idp.js';
import { CookieClient, SAML_SP_ENTITY_ID, postResponse, startSamlGateway, startSamlLogin } from '../support/saml-gateway.js';

const PUBLIC_URL = 'http://portcullis.test';

describe('SAML with two gateways on one Redis', () => {
  let redis: TestRedis;
  let idp: TestIdp;
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    redis = await startTestRedis();
    idp = await TestIdp.start({ spAcsUrl: `${PUBLIC_URL}/saml/acs`, spEntityId: SAML_SP_ENTITY_ID });
    const config = {
      server: { publicUrl: PUBLIC_URL },
      session: { store: 'redis' as const, redis: { url: redis.url, keyPrefix: 'samltest:' } },
    };
    ({ gw: a } = await startSamlGateway({ allowUnsolicited: true }, { idp, config }));
    ({ gw: b } = await startSamlGateway({ allowUnsolicited: true }, { idp, config }));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await idp?.close();
    await redis?.stop();
  });

  it('finishes at gateway B a login started at gateway A, and refuses the same response at A afterwards', async () => {
    const browser = new CookieClient(a.url);
    const { requestId } = await startSamlLogin(browser, '/app/');
    const xml = idp.response({ inResponseTo: requestId });

    const atB = new CookieClient(b.url);
    for (const [name, value] of browser.jar) atB.jar.set(name, value); // the same browser, another gateway behind the balancer
    const ok = await postResponse(atB, xml, '/app/');
    expect(ok.status).toBe(303);
    expect((await atB.get('/app/whoami')).json()).toMatchObject({ user: 'alice', amr: ['saml'] });

    const again = await postResponse(new CookieClient(a.url), xml, '/app/');
    expect(again.status).toBe(401);
    expect(a.logs()).toContain('"code":"SAML_IN_RESPONSE_TO_UNKNOWN"');
  });

  it('accepts an unsolicited assertion once across both gateways', async () => {
    const xml = idp.response({});
    expect((await postResponse(new CookieClient(a.url), xml)).status).toBe(303);
    const replay = await postResponse(new CookieClient(b.url), xml);
    expect(replay.status).toBe(401);
    expect(b.logs()).toContain('"code":"SAML_ASSERTION_REPLAYED"');
  });
});
