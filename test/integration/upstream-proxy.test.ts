/**
 * The proxy against real upstream servers (plain and TLS) on loopback: certificate
 * verification, timeouts, abandoned requests, retries, bodies and hop-by-hop headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { startTestGateway, writeUsersFile, DEMO_USERS, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';
import { createTestPki, type TestPki } from '../support/test-pki.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  digest: string;
  length: number;
}

/** An upstream that records what it receives; `/r/slow` never answers, `/r/503` always fails. */
function recordingHandler(seen: Seen[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      length += chunk.length;
    });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, digest: hash.digest('hex'), length });
      if (req.url!.includes('/r/slow')) return; // silent: accepts, reads, never answers
      if (req.url!.includes('/r/503')) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
        return;
      }
      if (req.url!.includes('/r/hop')) {
        res.writeHead(200, { connection: 'close, x-upstream-hop', 'keep-alive': 'timeout=5', 'x-upstream-hop': 'secret', 'content-type': 'text/plain' });
        res.end('hop');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ digest: seen.at(-1)!.digest, length }));
    });
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** One raw HTTP/1.x exchange: what the gateway wrote back until it closed or `waitMs` passed. */
function rawExchange(port: number, payload: string, waitMs = 1500): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.on('error', () => undefined);
    socket.write(payload);
  });
}

describe('proxying to real upstreams', () => {
  let pki: TestPki;
  const plainSeen: Seen[] = [];
  const impostorSeen: Seen[] = [];
  const trustedSeen: Seen[] = [];
  let plain: Server;
  let impostor: Server;
  let trusted: Server;
  let gateway: TestGateway;
  let impostorHandshakes = 0;

  beforeAll(async () => {
    pki = createTestPki('Portcullis Upstream CA');
    const cert = pki.server('upstream', { ip: ['127.0.0.1'] });
    plain = createHttpServer(recordingHandler(plainSeen));
    // the impostor's certificate is signed by a CA nobody configured: as good as self-signed
    impostor = createHttpsServer({ cert: cert.cert, key: cert.key }, recordingHandler(impostorSeen));
    impostor.on('secureConnection', () => impostorHandshakes++);
    trusted = createHttpsServer({ cert: cert.cert, key: cert.key }, recordingHandler(trustedSeen));
    const [plainPort, impostorPort, trustedPort] = [await listen(plain), await listen(impostor), await listen(trusted)];
    gateway = await startTestGateway(async (dir) => {
      await writeUsersFile(dir, DEMO_USERS);
      return {
        authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }],
        server: { requestTimeoutSeconds: 2 },
        routes: [
          { name: 'r', prefix: '/r/', upstream: `http://127.0.0.1:${plainPort}`, requireSession: false, upstreamClient: { responseHeadersTimeoutSeconds: 1.5 } },
          { name: 'pool', prefix: '/pool/', upstream: `http://127.0.0.1:${plainPort}`, requireSession: false, upstreamClient: { responseHeadersTimeoutSeconds: 120, maxConnections: 16 } },
          { name: 'impostor', prefix: '/impostor/', upstream: `https://127.0.0.1:${impostorPort}` },
          { name: 'trusted', prefix: '/trusted/', upstream: `https://127.0.0.1:${trustedPort}`, upstreamClient: { tls: { caFile: pki.ca.certFile } } },
          { name: 'lab', prefix: '/lab/', upstream: `https://127.0.0.1:${trustedPort}`, requireSession: false, upstreamClient: { tls: { insecureSkipVerify: true } } },
          { name: 'refused', prefix: '/refused/', upstream: 'http://127.0.0.1:9', requireSession: false },
        ],
      };
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    for (const s of [plain, impostor, trusted]) {
      s?.closeAllConnections();
      s?.close();
    }
    pki?.remove();
  });

  describe('https upstreams are verified', () => {
    it('an impostor with an untrusted certificate gets neither the request nor the token: 502', async () => {
      const client = new CookieClient(gateway.url);
      await loginWithForm(client, 'alice', 'wonderland');
      const answer = await client.get('/impostor/api/me', { accept: 'application/json' });
      expect(answer.status).toBe(502);
      expect(answer.json()).toMatchObject({ statusCode: 502, code: 'GW_UPSTREAM_UNTRUSTED' });
      expect(impostorSeen).toHaveLength(0);
      expect(impostorHandshakes).toBe(0);
      expect(gateway.logs()).toContain('GW_UPSTREAM_UNTRUSTED');
    });

    it('a browser gets a page for the same refusal', async () => {
      const client = new CookieClient(gateway.url);
      await loginWithForm(client, 'alice', 'wonderland');
      const answer = await client.get('/impostor/', { accept: 'text/html' });
      expect(answer.status).toBe(502);
      expect(answer.headers.get('content-type')).toMatch(/text\/html/);
      expect(impostorSeen).toHaveLength(0);
    });

    it('the same certificate is accepted with the route CA file, and the token arrives', async () => {
      const client = new CookieClient(gateway.url);
      await loginWithForm(client, 'alice', 'wonderland');
      const answer = await client.get('/trusted/api/me', { accept: 'application/json' });
      expect(answer.status).toBe(200);
      expect(trustedSeen.at(-1)!.headers.authorization).toMatch(/^Bearer /);
    });

    it('turning verification off works only by name, and is logged as a warning', async () => {
      const answer = await fetch(`${gateway.url}/lab/x`);
      expect(answer.status).toBe(200);
      expect(gateway.logs()).toMatch(/"level":40.*UPSTREAM CERTIFICATE VERIFICATION IS OFF/);
    });
  });

  describe('silent upstreams and faults', () => {
    it('a silent path answers 504 after the response-header timeout', async () => {
      const started = Date.now();
      const answer = await fetch(`${gateway.url}/r/slow/1`);
      expect(answer.status).toBe(504);
      expect(await answer.json()).toMatchObject({ code: 'GW_UPSTREAM_TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('140 abandoned requests to a silent path leave the healthy path of the same engine answering', async () => {
      const before = plainSeen.length;
      const port = Number(new URL(gateway.url).port);
      // each on its own connection, given up after 300 ms: what clients with a timeout do
      const abandoned = Array.from({ length: 140 }, () => rawExchange(port, 'GET /pool/r/slow/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 300));
      await Promise.all(abandoned);
      expect(plainSeen.length - before).toBeGreaterThan(0); // they did reach the silent path
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      const answer = await fetch(`${gateway.url}/pool/r/fast`);
      expect(answer.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
      // the upstream requests were cancelled: the engine holds no connection for them
      const open = await new Promise<number>((resolve) => plain.getConnections((_e, n) => resolve(n)));
      expect(open).toBeLessThanOrEqual(16);
    });

    it('one path cannot take more than its share of the pool: the rest answer 503 at once', async () => {
      const port = Number(new URL(gateway.url).port);
      const pending = Array.from({ length: 8 }, () => rawExchange(port, 'GET /pool/r/slow/share HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 2500));
      await new Promise((r) => setTimeout(r, 500));
      const busy = await Promise.all([1, 2, 3, 4].map(() => rawExchange(port, 'GET /pool/r/slow/share HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 1500)));
      for (const text of busy) {
        expect(text).toMatch(/^HTTP\/1\.1 503/);
        expect(text).toContain('"code":"GW_UPSTREAM_BUSY"');
      }
      const healthy = await rawExchange(port, 'GET /pool/r/fast HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 1500);
      expect(healthy).toMatch(/^HTTP\/1\.1 200/);
      await Promise.all(pending);
    });

    it('a 503 upstream sees each GET exactly once', async () => {
      const before = plainSeen.filter((s) => s.url === '/r/503').length;
      for (let i = 0; i < 3; i++) expect((await fetch(`${gateway.url}/r/503`)).status).toBe(503);
      expect(plainSeen.filter((s) => s.url === '/r/503').length - before).toBe(3);
    });

    it('an unreachable upstream answers 502 with the gateway body', async () => {
      const answer = await fetch(`${gateway.url}/refused/x`);
      expect(answer.status).toBe(502);
      expect(await answer.json()).toMatchObject({ statusCode: 502, code: 'GW_UPSTREAM_UNAVAILABLE', error: 'Bad Gateway' });
    });

    it('a request body trickled at 1 byte/s to POST /login is cut', async () => {
      const started = Date.now();
      const closedAfter = await new Promise<number>((resolve) => {
        const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
        socket.write('POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n');
        const drip = setInterval(() => socket.write('a'), 1000);
        const guard = setTimeout(() => socket.destroy(), 15_000);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearInterval(drip);
          clearTimeout(guard);
          resolve(Date.now() - started);
        });
      });
      expect(closedAfter).toBeLessThan(6000);
    });
  });

  describe('bodies go upstream untouched', () => {
    const cases: Array<[string, Buffer]> = [
      ['application/x-www-form-urlencoded', Buffer.from('name=dave&comment=a%26b&x=1')],
      ['application/json', Buffer.from('{"a": 1,   "b": [1,2]}')],
      ['text/plain; charset=utf-8', Buffer.from('plain text ünïcode')],
      ['multipart/form-data; boundary=xyz', Buffer.from('--xyz\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n--xyz--\r\n')],
      ['application/octet-stream', Buffer.alloc(5 * 1024 * 1024, 7)],
      ['application/x-www-form-urlencoded', Buffer.from('big=' + 'x'.repeat(3 * 1024 * 1024))],
    ];
    for (const [type, body] of cases) {
      it(`POST ${type} (${body.length} bytes) arrives byte for byte`, async () => {
        const answer = await fetch(`${gateway.url}/r/echo`, { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(body) });
        expect(answer.status).toBe(200);
        const got = (await answer.json()) as { digest: string; length: number };
        expect(got.length).toBe(body.length);
        expect(got.digest).toBe(createHash('sha256').update(body).digest('hex'));
        expect(plainSeen.at(-1)!.headers['content-type']).toBe(type);
      });
    }
  });

  describe('hop-by-hop headers stay on their hop', () => {
    it('the client never sees the upstream Connection, Keep-Alive or the names Connection lists', async () => {
      const answer = await fetch(`${gateway.url}/r/hop`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('keep-alive')).not.toBe('timeout=5');
      expect(answer.headers.get('x-upstream-hop')).toBeNull();
      expect(answer.headers.get('connection') ?? '').not.toMatch(/close|x-upstream-hop/);
    });

    it('the upstream never sees the client hop-by-hop headers', async () => {
      // fetch refuses to send Connection itself: a raw request does
      const port = Number(new URL(gateway.url).port);
      await rawExchange(port, 'GET /r/fast?hop HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close, x-client-hop\r\nX-Client-Hop: 1\r\nKeep-Alive: timeout=1\r\nProxy-Authorization: Basic abc\r\n\r\n');
      const seen = plainSeen.at(-1)!.headers;
      expect(plainSeen.at(-1)!.url).toBe('/r/fast?hop');
      expect(seen['keep-alive']).toBeUndefined();
      expect(seen.connection ?? '').not.toMatch(/close|x-client-hop/);
      expect(seen['x-client-hop']).toBeUndefined();
      expect(seen['proxy-authorization']).toBeUndefined();
    });

    it("two pipelined GETs are both answered although the engine says Connection: close", async () => {
      const port = Number(new URL(gateway.url).port);
      const text = await rawExchange(port, 'GET /r/hop HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /r/fast HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      expect(text.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    });

    it('an HTTP/1.0 client is not told keep-alive', async () => {
      const port = Number(new URL(gateway.url).port);
      const text = await rawExchange(port, 'GET /r/fast HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
      expect(text).toMatch(/^HTTP\/1\.1 200/);
      expect(text.toLowerCase()).not.toContain('connection: keep-alive');
    });

    it('an absolute-form request target gets 400 with the gateway body', async () => {
      const port = Number(new URL(gateway.url).port);
      const text = await rawExchange(port, `GET http://127.0.0.1:${port}/r/fast HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      expect(text).toMatch(/^HTTP\/1\.1 400/);
      expect(text).toContain('"code":"GW_PATH_INVALID"');
    });
  });
});
