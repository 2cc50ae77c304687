import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { demoConfig, startTestGateway, type TestGateway } from '../../support/gateway.js';

/**
 * Request ids from the gateway, not the client (unless it is a trusted proxy sending a sane
 * value), on every log line, response, error body and page, and on to the engine; and no
 * query string in any log line, whatever the answer was.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET = 'eyJhbGciOiJIUzI1NiJ9.secret-in-query';

let echo: Server;
let echoUrl: string;
let seen: IncomingHttpHeaders[] = [];

const gatewayWith = (trustedProxies: string[]) =>
  startTestGateway(async (dir) => ({
    ...(await demoConfig(dir)),
    server: { trustedProxies },
    routes: [
      { name: 'app', prefix: '/app/', upstream: 'http://demo-engine.invalid' },
      { name: 'open', prefix: '/open/', upstream: echoUrl, requireSession: false },
    ],
  }));

beforeAll(async () => {
  echo = createServer((req, res) => {
    seen.push(req.headers);
    res.end('ok');
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
});
afterAll(async () => {
  echo.closeAllConnections();
  await new Promise((r) => echo.close(r));
});

describe('request ids, for clients that are not trusted proxies', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await gatewayWith([]);
  });
  afterAll(() => gateway.stop());

  it('generates a UUID whatever the client sends, answers it, and forwards it to the engine', async () => {
    seen = [];
    const res = await fetch(`${gateway.url}/open/x`, { headers: { 'x-request-id': 'client-chosen-id' } });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(UUID);
    expect(seen[0]!['x-request-id']).toBe(id);
    expect(gateway.logs()).not.toContain('client-chosen-id');
  });

  it('puts the id in every error body and error page', async () => {
    const api = await fetch(`${gateway.url}/app/`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
    expect((await api.json()).requestId).toBe(api.headers.get('x-request-id'));

    const missing = await fetch(`${gateway.url}/nowhere`, { headers: { accept: 'application/json' } });
    expect(missing.status).toBe(404);
    expect((await missing.json()).requestId).toBe(missing.headers.get('x-request-id'));

    const page = await fetch(`${gateway.url}/nowhere`, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain(`Request id: ${page.headers.get('x-request-id')}`);

    const bad = await fetch(`${gateway.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=a' });
    expect(bad.status).toBe(403);
    expect((await bad.json()).requestId).toBe(bad.headers.get('x-request-id'));
  });

  it('writes the id on every log line of a request', async () => {
    const res = await fetch(`${gateway.url}/app/`, { headers: { accept: 'application/json' } });
    const id = res.headers.get('x-request-id')!;
    const lines = gateway.logs().split('\n').filter((l) => l.includes(id)).map((l) => JSON.parse(l) as { reqId?: string; msg: string });
    expect(lines.length).toBeGreaterThanOrEqual(2); // incoming, refused, completed
    for (const line of lines) expect(line.reqId).toBe(id);
    expect(lines.some((l) => l.msg.startsWith('request refused'))).toBe(true);
  });

  it('never logs a query string: refused, not found, proxied, login page', async () => {
    await fetch(`${gateway.url}/app/data?access_token=${SECRET}`, { headers: { accept: 'application/json' } });
    await fetch(`${gateway.url}/app/data?access_token=${SECRET}`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    await fetch(`${gateway.url}/nowhere?access_token=${SECRET}`);
    await fetch(`${gateway.url}/open/x?access_token=${SECRET}`);
    await fetch(`${gateway.url}/login?returnTo=/app/&token=${SECRET}`);
    const logs = gateway.logs();
    expect(logs).toContain('/app/data'); // the path is there …
    expect(logs).not.toContain('secret-in-query'); // … its query is not
    expect(logs).not.toContain('access_token');
  });

  it('logs a failed login of an unknown name as a keyed digest, never the name typed (it may be a password)', async () => {
    const form = await fetch(`${gateway.url}/login`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const res = await fetch(`${gateway.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ username: 'Hunter2-typed-in-the-name-field', password: 'x', csrf, returnTo: '/' }).toString(),
    });
    expect(res.status).toBe(401);
    const line = gateway.logs().split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.event === 'login-failed');
    expect(line).toBeDefined();
    expect(line.login).toMatch(/^name#[0-9a-f]{16}$/);
    expect(gateway.logs()).not.toContain('Hunter2-typed-in-the-name-field');
  });
});

describe('request ids from a trusted proxy', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await gatewayWith(['127.0.0.1']);
  });
  afterAll(() => gateway.stop());

  it('keeps a sane id and replaces one that is not', async () => {
    seen = [];
    const sane = await fetch(`${gateway.url}/open/x`, { headers: { 'x-request-id': '01HZX3Q6Y7ABCDEF0123456789' } });
    expect(sane.headers.get('x-request-id')).toBe('01HZX3Q6Y7ABCDEF0123456789');
    expect(seen[0]!['x-request-id']).toBe('01HZX3Q6Y7ABCDEF0123456789');
    for (const insane of ['has space', 'a'.repeat(200), '"quoted"', '-leading-dash', 'x\u00e9']) {
      const res = await fetch(`${gateway.url}/open/x`, { headers: { 'x-request-id': insane } }).catch(() => undefined);
      if (!res) continue; // undici refuses to send some of them at all
      expect(res.headers.get('x-request-id')).toMatch(UUID);
    }
  });
});
