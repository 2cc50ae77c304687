import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket, type AddressInfo } from 'node:net';
import { demoConfig, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { startTestRedis } from '../../support/redis.js';

/**
 * /readyz against real dependencies (Redis stopped under the gateway, an LDAP pool whose
 * servers are gone), and the SIGTERM sequence with a request stuck on a silent engine.
 */
const listen = (server: Server | TcpServer) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

/** GET with its own connection; resolves with the status, or with the error that ended it. */
function get(url: string): Promise<{ status: number; body: string } | Error> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', resolve);
    });
    req.on('error', resolve);
    req.end();
  });
}

describe('/readyz', () => {
  it('is 200 with every dependency usable, and /healthz stays a liveness check', async () => {
    const gateway = await startTestGateway();
    try {
      const ready = await fetch(`${gateway.url}/readyz`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { status: string; checks: Array<{ name: string; ok: boolean }> };
      expect(body.status).toBe('ready');
      expect(body.checks.map((c) => c.name)).toEqual(['session-store', 'durable-store', 'signing-keys']);
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });

  it('names the session store when Redis goes away, while /healthz still answers', async () => {
    const redis = await startTestRedis();
    const gateway = await startTestGateway(async (dir) => ({
      ...(await demoConfig(dir)),
      session: { store: 'redis', redis: { url: redis.url, connectTimeoutMs: 1000 } },
    }));
    try {
      expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
      await redis.stop();
      const down = await fetch(`${gateway.url}/readyz`);
      expect(down.status).toBe(503);
      const body = (await down.json()) as { failing: string[]; checks: Array<{ name: string; problem?: string }> };
      expect(body.failing).toEqual(['session-store']);
      expect(body.checks.find((c) => c.name === 'session-store')?.problem).toBeTruthy();
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    } finally {
      await gateway.stop();
      await redis.stop().catch(() => {});
    }
  });

  it('names an LDAP pool whose every server is down', async () => {
    const closed = createTcpServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r)); // nothing listens there any more
    const gateway = await startTestGateway(async (dir) => ({
      ...(await demoConfig(dir)),
      authenticators: [
        { type: 'file', name: 'local', usersFile: 'users.yaml' },
        { type: 'ldap', name: 'directory', servers: [`ldap://127.0.0.1:${port}`], searchBase: 'dc=example,dc=org', pool: { retryIntervalSeconds: 60 } },
      ],
    }));
    try {
      expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
      // a Basic login tries the pool and finds the server gone
      await fetch(`${gateway.url}/app/`, { headers: { authorization: `Basic ${Buffer.from('nobody:pw').toString('base64')}`, accept: 'application/json' } });
      const form = await fetch(`${gateway.url}/login`);
      const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
      const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      await fetch(`${gateway.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ username: 'nobody', password: 'pw', csrf, returnTo: '/' }).toString(),
        redirect: 'manual',
      });
      const down = await fetch(`${gateway.url}/readyz`);
      expect(down.status).toBe(503);
      const body = (await down.json()) as { failing: string[] };
      expect(body.failing).toEqual(['ldap:directory']);
    } finally {
      await gateway.stop();
    }
  });
});

describe('shutdown', () => {
  let silent: TcpServer;
  let slow: Server;
  const held: Socket[] = [];
  let silentPort: number;
  let slowPort: number;

  beforeAll(async () => {
    // accepts connections and never answers: the engine that made shutdown hang
    silent = createTcpServer((socket) => held.push(socket));
    silentPort = await listen(silent);
    slow = createHttpServer((_req, res) => setTimeout(() => res.end('slow but fine'), 400));
    slowPort = await listen(slow);
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise((r) => silent.close(r));
    slow.closeAllConnections();
    await new Promise((r) => slow.close(r));
  });

  it('turns readiness red first, lets running requests finish, cuts a stuck one at the bound, and stops', async () => {
    const gateway = await startTestGateway(async (dir) => ({
      ...(await demoConfig(dir)),
      demoEngine: { enabled: false },
      routes: [
        { name: 'silent', prefix: '/silent/', upstream: `http://127.0.0.1:${silentPort}`, requireSession: false },
        { name: 'slow', prefix: '/slow/', upstream: `http://127.0.0.1:${slowPort}`, requireSession: false },
      ],
    }));
    const stuck = get(`${gateway.url}/silent/x`);
    await new Promise((r) => setTimeout(r, 200)); // the stuck request has reached the silent engine
    const running = get(`${gateway.url}/slow/x`);
    await new Promise((r) => setTimeout(r, 50));

    const started = Date.now();
    const stopping = gateway.shutdown({ readinessGraceSeconds: 0.3, drainTimeoutSeconds: 1 });
    // during the grace the listener still answers, and readiness is already red
    const readiness = await get(`${gateway.url}/readyz`);
    expect(readiness).not.toBeInstanceOf(Error);
    expect((readiness as { status: number }).status).toBe(503);
    expect(JSON.parse((readiness as { body: string }).body).status).toBe('draining');

    const report = await stopping;
    const elapsed = Date.now() - started;
    const slowAnswer = await running;
    expect(slowAnswer).toEqual({ status: 200, body: 'slow but fine' });
    const stuckAnswer = await stuck;
    expect(stuckAnswer instanceof Error || (stuckAnswer as { status: number }).status >= 500).toBe(true);
    expect(report.cut).toBe(1);
    // grace 0.3 s + drain bound 1 s, plus closing; never the engine's silence
    expect(elapsed).toBeGreaterThanOrEqual(1_250);
    expect(elapsed).toBeLessThan(4_500);
    // nothing listens any more
    expect(await get(`${gateway.url}/healthz`)).toBeInstanceOf(Error);
    await gateway.stop();
  });
});
