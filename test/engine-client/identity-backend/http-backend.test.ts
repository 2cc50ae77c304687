/**
 * The HTTP identity-backend client against real local HTTP and HTTPS servers that count
 * what reaches them: caching, TTL, token forwarding, failover and the technical user's mTLS.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpIdentityBackend, type HttpIdentityBackendOptions } from '../../../engine-client/identity-backend/index.js';
import type { IdentityBackend } from '../../../engine-client/identity-backend/index.js';
import { createTestPki, type TestPki } from '../../support/test-pki.js';

interface Seen {
  path: string;
  authorization?: string;
  peerCn?: string;
}

const USERS: Record<string, unknown> = {
  ada: { loginId: 'ada', attributes: { firstName: 'Ada', email: 'ada@example.org' }, groups: ['engineers'], roles: ['reader'] },
};

function handler(seen: Seen[], behaviour: { status?: number; hang?: boolean } = {}) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    seen.push({ path: req.url!, authorization: req.headers.authorization, peerCn: peer && 'subject' in peer ? (peer.subject?.CN as string) : undefined });
    if (behaviour.hang) return; // accept, never answer
    if (behaviour.status) {
      res.writeHead(behaviour.status).end();
      return;
    }
    const m = /^\/api\/users\/([^/]+)(\/groups)?$/.exec(req.url!);
    const g = /^\/api\/groups\/([^/]+)\/members$/.exec(req.url!);
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (m && USERS[decodeURIComponent(m[1]!)]) {
      const user = USERS[decodeURIComponent(m[1]!)] as { groups: string[] };
      return m[2] ? json({ groups: user.groups }) : json(user);
    }
    if (g && decodeURIComponent(g[1]!) === 'engineers') return json(['ada', 'grace']);
    res.writeHead(404).end();
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

const close = (s: Server) => {
  s.closeAllConnections?.();
  return new Promise<void>((r) => s.close(() => r()));
};

describe('HTTP identity backend', () => {
  let server: Server;
  let seen: Seen[];
  let base: string;
  const backends: IdentityBackend[] = [];
  const make = (o: Partial<HttpIdentityBackendOptions> = {}) => {
    const b = createHttpIdentityBackend({ endpoints: [base], auth: { type: 'forward-token' }, ...o });
    backends.push(b);
    return b;
  };
  const ada = { caller: { bearerToken: 'token-of-alice' } };

  beforeAll(async () => {
    seen = [];
    server = createHttpServer(handler(seen));
    base = `http://127.0.0.1:${await listen(server)}/api`;
  });
  afterEach(async () => {
    seen.length = 0;
    await Promise.all(backends.splice(0).map((b) => b.close()));
  });
  afterAll(() => close(server));

  it('reads a user, groups and group members', async () => {
    const b = make();
    expect(await b.getUser('ada', ada)).toEqual(USERS.ada);
    expect(await b.getGroups('ada', ada)).toEqual(['engineers']);
    expect(await b.getGroupMembers('engineers', ada)).toEqual(['ada', 'grace']);
    expect(await b.getUser('nobody', ada)).toBeNull();
  });

  it('cache hits do not reach the server (counted at the server)', async () => {
    const b = make();
    for (let i = 0; i < 5; i++) expect((await b.getUser('ada', ada))?.loginId).toBe('ada');
    expect(seen.filter((s) => s.path === '/api/users/ada')).toHaveLength(1);
    expect(b.cacheStats()).toMatchObject({ enabled: true, hits: 4, misses: 1, size: 1 });
    // concurrent misses share one request
    await Promise.all(Array.from({ length: 5 }, () => b.getGroups('ada', ada)));
    expect(seen.filter((s) => s.path === '/api/users/ada/groups')).toHaveLength(1);
  });

  it('entries expire after the TTL', async () => {
    const b = make({ cache: { ttlMs: 150 } });
    await b.getUser('ada', ada);
    await b.getUser('ada', ada);
    expect(seen).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    await b.getUser('ada', ada);
    expect(seen).toHaveLength(2);
  });

  it('keeps at most `max` entries, and caching can be switched off', async () => {
    const small = make({ cache: { max: 1 } });
    await small.getUser('ada', ada);
    await small.getGroups('ada', ada); // evicts the user
    await small.getUser('ada', ada);
    expect(seen).toHaveLength(3);
    seen.length = 0;
    const off = make({ cache: false });
    for (let i = 0; i < 3; i++) await off.getUser('ada', ada);
    expect(seen).toHaveLength(3);
    expect(off.cacheStats().enabled).toBe(false);
  });

  it('forwards the caller token as a bearer token or the original header unchanged; answers never cross callers', async () => {
    const b = make();
    await b.getUser('ada', { caller: { bearerToken: 'token-of-alice' } });
    await b.getUser('ada', { caller: { originalHeader: 'Bearer token-of-bob' } });
    await b.getUser('ada', { caller: { bearerToken: 'token-of-alice' } });
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer token-of-alice', 'Bearer token-of-bob']);
    const custom = make({ auth: { type: 'forward-token', header: 'x-original-auth' } });
    const seenHeaders: string[] = [];
    server.once('request', (req: IncomingMessage) => seenHeaders.push(String(req.headers['x-original-auth'])));
    await custom.getUser('ada', { caller: { originalHeader: 'Negotiate abc==' } });
    expect(seenHeaders).toEqual(['Negotiate abc==']);
  });

  it('without a caller token in forwarding mode: 401 coded, nothing sent', async () => {
    const b = make();
    await expect(b.getUser('ada')).rejects.toMatchObject({ code: 'IDENTITY_BACKEND_CALLER_MISSING', statusCode: 401 });
    expect(seen).toHaveLength(0);
  });

  it('percent-encodes logins, dots included, so a login cannot climb the path', async () => {
    const b = make();
    expect(await b.getUser('../groups/engineers/members', ada)).toBeNull();
    expect(seen[0]!.path).toBe('/api/users/%2E%2E%2Fgroups%2Fengineers%2Fmembers');
  });

  it('fails over from a dead or 503 endpoint; a 403 is an answer (no failover)', async () => {
    const sick: Seen[] = [];
    const sickServer = createHttpServer(handler(sick, { status: 503 }));
    const refusing: Seen[] = [];
    const refusingServer = createHttpServer(handler(refusing, { status: 403 }));
    const [sickPort, refusingPort] = [await listen(sickServer), await listen(refusingServer)];
    try {
      const b = make({ endpoints: ['http://127.0.0.1:1/api', `http://127.0.0.1:${sickPort}/api`, base] });
      expect((await b.getUser('ada', ada))?.loginId).toBe('ada');
      expect(b.state().map((s) => s.status)).toEqual(['down', 'down', 'up']);
      expect(b.state()[1]!.lastFailure).toBe('HTTP_503');

      const r = make({ endpoints: [`http://127.0.0.1:${refusingPort}/api`, base] });
      await expect(r.getUser('ada', ada)).rejects.toMatchObject({ code: 'IDENTITY_BACKEND_REFUSED', upstreamStatus: 403 });
      expect(seen).toHaveLength(1); // only the first backend's lookup above
      expect(r.state().map((s) => s.status)).toEqual(['up', 'up']);
    } finally {
      await Promise.all([close(sickServer), close(refusingServer)]);
    }
  });

  it('a server that never answers times out per request; all down is a coded 503', async () => {
    const hung: Seen[] = [];
    const hungServer = createHttpServer(handler(hung, { hang: true }));
    const port = await listen(hungServer);
    try {
      const b = make({ endpoints: [`http://127.0.0.1:${port}/api`], requestTimeoutMs: 200 });
      const started = Date.now();
      const err = await b.getUser('ada', ada).catch((e) => e);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(err).toMatchObject({ code: 'IDENTITY_BACKEND_UNAVAILABLE', statusCode: 503, expose: false });
      expect(b.state()[0]!.lastFailure).toBe('IDENTITY_BACKEND_TIMEOUT');
    } finally {
      await close(hungServer);
    }
  });

  it('refuses bad options with the option path', () => {
    expect(() => createHttpIdentityBackend({ endpoints: [], auth: { type: 'forward-token' } })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', path: 'endpoints' }));
    expect(() => createHttpIdentityBackend({ endpoints: ['ftp://x'], auth: { type: 'forward-token' } })).toThrow(expect.objectContaining({ path: 'endpoints[0]' }));
    expect(() => createHttpIdentityBackend({ endpoints: ['http://x'], auth: { type: 'technical-user', cert: 'c', key: 'k' } })).toThrow(expect.objectContaining({ path: 'endpoints[0]' }));
    expect(() => createHttpIdentityBackend({ endpoints: ['http://x'], auth: { type: 'forward-token' }, cache: { max: 0 } })).toThrow(expect.objectContaining({ path: 'cache.max' }));
  });
});

describe('HTTP identity backend as a technical user over mutual TLS', () => {
  let pki: TestPki;
  let otherPki: TestPki;
  let server: Server;
  let seen: Seen[];
  let base: string;

  beforeAll(async () => {
    pki = createTestPki();
    otherPki = createTestPki('Some Other CA');
    const cert = pki.server('idm', { dns: ['idm.test'], ip: ['127.0.0.1'] });
    seen = [];
    server = createHttpsServer({ cert: cert.cert, key: cert.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true }, handler(seen));
    base = `https://127.0.0.1:${await listen(server)}/api`;
  });
  afterAll(async () => {
    await close(server);
    pki?.remove();
    otherPki?.remove();
  });

  it('presents its own client certificate; the server sees the technical identity, no user token', async () => {
    const client = pki.client('timer-job');
    const b = createHttpIdentityBackend({ endpoints: [base], ca: pki.ca.cert, auth: { type: 'technical-user', cert: client.cert, key: client.key } });
    try {
      expect((await b.getUser('ada', { caller: { bearerToken: 'must-not-be-forwarded' } }))?.loginId).toBe('ada');
      expect(seen).toEqual([{ path: '/api/users/ada', authorization: undefined, peerCn: 'timer-job' }]);
    } finally {
      await b.close();
    }
  });

  it('without a client certificate, or with one from another CA, the server lets nothing through', async () => {
    seen.length = 0;
    const noCert = createHttpIdentityBackend({ endpoints: [base], ca: pki.ca.cert, auth: { type: 'forward-token' } });
    const stranger = otherPki.client('timer-job');
    const wrongCa = createHttpIdentityBackend({ endpoints: [base], ca: pki.ca.cert, auth: { type: 'technical-user', cert: stranger.cert, key: stranger.key } });
    try {
      await expect(noCert.getUser('ada', { caller: { bearerToken: 't' } })).rejects.toMatchObject({ code: 'IDENTITY_BACKEND_UNAVAILABLE' });
      await expect(wrongCa.getUser('ada')).rejects.toMatchObject({ code: 'IDENTITY_BACKEND_UNAVAILABLE' });
      expect(seen).toHaveLength(0);
    } finally {
      await Promise.all([noCert.close(), wrongCa.close()]);
    }
  });

  it('checks the server certificate: an untrusted CA is refused', async () => {
    const client = pki.client('timer-job');
    const b = createHttpIdentityBackend({ endpoints: [base], ca: otherPki.ca.cert, auth: { type: 'technical-user', cert: client.cert, key: client.key } });
    try {
      await expect(b.getUser('ada')).rejects.toMatchObject({ code: 'IDENTITY_BACKEND_UNAVAILABLE' });
    } finally {
      await b.close();
    }
  });
});
