import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig, startTestGateway, type TestGateway } from '../../support/gateway.js';

/** Prometheus metrics on their own port, off by default, with bounded labels only. */
describe('metrics', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(async (dir) => {
      const config = await demoConfig(dir);
      return { ...config, authenticators: [...config.authenticators, { type: 'basic', name: 'api-basic', users: 'local' }], metrics: { enabled: true, port: 0 } };
    });
  });
  afterAll(() => gateway.stop());

  async function login(user: string, password: string): Promise<string> {
    const form = await fetch(`${gateway.url}/login`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const res = await fetch(`${gateway.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ username: user, password, csrf, returnTo: '/' }).toString(),
      redirect: 'manual',
    });
    return [cookie, ...res.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
  }

  it('is off by default: no metrics port, nothing on the main listener', async () => {
    const plain = await startTestGateway();
    try {
      expect(plain.metricsUrl).toBeUndefined();
      expect((await fetch(`${plain.url}/metrics`)).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });

  it('counts requests, logins, tokens and store operations, with route names and never paths or users', async () => {
    expect(gateway.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(404); // not on the public listener
    await login('alice', 'wrong-password');
    const cookie = await login('alice', 'wonderland');
    for (const path of ['/app/whoami', '/app/whoami?x=1', '/app/some/deep/path-123']) await fetch(`${gateway.url}${path}`, { headers: { cookie } });
    await fetch(`${gateway.url}/app/x`, { method: 'POST', headers: { cookie, 'content-type': 'text/plain' }, body: 'x' });
    const basic = (user: string, password: string) => fetch(`${gateway.url}/app/whoami`, { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
    expect((await basic('bob', 'not-his')).status).toBe(401);
    expect((await basic('bob', 'builder')).status).toBe(200);

    const res = await fetch(gateway.metricsUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    if (process.env.SHOW_METRICS) console.log(text.split("\n").filter((l) => /^portcullis_(http|login|token|upstream_duration_seconds_count|store_op)/.test(l)).join("\n"));
    expect(text).toMatch(/portcullis_http_requests_total\{route="app",method="read",status="200"\} 3/);
    expect(text).toMatch(/portcullis_http_requests_total\{route="app",method="write",status="404"\} 1/);
    expect(text).toMatch(/portcullis_logins_total\{authenticator="local",result="success"\} 1/);
    expect(text).toMatch(/portcullis_logins_total\{authenticator="login-form",result="failure"\} 1/);
    // logins that do not pass the form count too: HTTP Basic here, the SAML and OIDC callbacks alike
    expect(text).toMatch(/portcullis_logins_total\{authenticator="api-basic",result="failure"\} 1/);
    expect(text).toMatch(/portcullis_logins_total\{authenticator="api-basic",result="success"\} 1/);
    expect(text).toMatch(/portcullis_tokens_minted_total\{audience="app"\} 2/);
    expect(text).toMatch(/portcullis_token_cache_hits_total\{audience="app"\} [2-9]/);
    expect(text).toMatch(/portcullis_upstream_duration_seconds_count\{route="app"\} 5/);
    expect(text).toMatch(/portcullis_http_requests_total\{route="\/login",method="write",status="303"\} 1/);
    expect(text).toMatch(/portcullis_gateway_duration_seconds_bucket\{le="0.005",route="app"\} \d+/);
    expect(text).toMatch(/portcullis_store_operation_duration_seconds_count\{operation="get"\} \d+/);
    expect(text).toContain('portcullis_websocket_connections 0');
    expect(text).toContain('portcullis_process_cpu_seconds_total');
    // bounded labels: no path, no user, no query
    expect(text).not.toContain('deep');
    expect(text).not.toContain('whoami');
    expect(text).not.toContain('alice');
  });
});
