/**
 * The gateway's forwarder against a real upstream on loopback: what it streams, in both
 * directions, and what it writes when the upstream's answer starts, breaks off or is odd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { connect as http2Connect } from 'node:http2';
import { createTestPki, type TestPki } from '../support/test-pki.js';
import { startTestGateway, writeUsersFile, DEMO_USERS, type TestGateway } from '../support/gateway.js';

async function usersFile(dir: string): Promise<string> {
  await writeUsersFile(dir, DEMO_USERS);
  return 'users.yaml';
}

// larger than every socket buffer on the way (loopback buffers grow to a few MiB each)
const BIG = Buffer.alloc(32 * 1024 * 1024, 'portcullis-');
const BIG_DIGEST = createHash('sha256').update(BIG).digest('hex');

function listen(server: Server | TcpServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** A GET through the gateway that reads nothing for `holdMs` after the headers, then everything. */
function heldGet(url: string, holdMs: number, duringHold: () => void): Promise<{ status: number; digest: string; length: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, (res) => {
      const hash = createHash('sha256');
      let length = 0;
      res.pause();
      setTimeout(() => {
        duringHold();
        res.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          length += chunk.length;
        });
        res.on('end', () => resolve({ status: res.statusCode!, digest: hash.digest('hex'), length }));
        res.resume();
      }, holdMs);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the forwarder', () => {
  let upstream: Server;
  let broken: TcpServer;
  let gateway: TestGateway;
  const seen: { url: string; host?: string }[] = [];
  const probes: { method: string; url: string; length?: string; te?: string; body: string }[] = [];
  let written = 0;

  beforeAll(async () => {
    upstream = createServer((req: IncomingMessage, res) => {
      seen.push({ url: req.url!, host: req.headers.host });
      if (req.url!.endsWith('/big')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BIG.length) });
        // write in pieces as fast as the socket takes them, counting what was handed over
        written = 0;
        const more = () => {
          while (written < BIG.length) {
            const piece = BIG.subarray(written, written + 64 * 1024);
            written += piece.length;
            if (!res.write(piece)) {
              res.once('drain', more);
              return;
            }
          }
          res.end();
        };
        more();
        return;
      }
      if (req.url!.includes('/probe')) {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          probes.push({ method: req.method!, url: req.url!, length: req.headers['content-length'], te: req.headers['transfer-encoding'], body });
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        });
        return;
      }
      if (req.url!.endsWith('/early')) {
        // answers before reading the body: the client's connection cannot be reused
        res.writeHead(413, { 'content-type': 'text/plain' }).end('too big');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': 'engine=1; Path=/' }).end('ok');
    });
    // an upstream that sends its status line and headers, half a body, then hangs up
    broken = createTcpServer((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\nhalf of it');
        setTimeout(() => socket.destroy(), 50);
      });
    });
    const [port, brokenPort] = [await listen(upstream), await listen(broken)];
    gateway = await startTestGateway(async (dir) => ({
      authenticators: [{ type: 'file', name: 'local', usersFile: await usersFile(dir) }],
      routes: [
        { name: 'open', prefix: '/open/', upstream: `http://127.0.0.1:${port}`, requireSession: false },
        { name: 'based', prefix: '/based/', upstream: `http://127.0.0.1:${port}/engine/v1`, requireSession: false },
        { name: 'broken', prefix: '/broken/', upstream: `http://127.0.0.1:${brokenPort}`, requireSession: false },
      ],
    }));
  });

  afterAll(async () => {
    await gateway?.stop();
    upstream?.closeAllConnections();
    upstream?.close();
    broken?.close();
  });

  it('streams 32 MiB to a client that stops reading, holding the upstream back instead of buffering it all', async () => {
    let writtenDuringHold = 0;
    const got = await heldGet(`${gateway.url}/open/big`, 1000, () => (writtenDuringHold = written));
    expect(got).toEqual({ status: 200, digest: BIG_DIGEST, length: BIG.length });
    // without backpressure the gateway would have read all of it into memory within the second
    expect(writtenDuringHold).toBeLessThan(BIG.length);
  });

  it("puts the upstream URL's own path before the request's, and names the upstream's host", async () => {
    const answer = await fetch(`${gateway.url}/based/items?q=1&q=2`);
    expect(answer.status).toBe(200);
    const last = seen.at(-1)!;
    expect(last.url).toBe('/engine/v1/based/items?q=1&q=2');
    expect(last.host).toBe(new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`).host);
  });

  it("passes the engine's cookie and the gateway's request id together", async () => {
    const answer = await fetch(`${gateway.url}/open/x`);
    expect(answer.headers.get('set-cookie')).toBe('engine=1; Path=/');
    expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // an engine's answer is the engine's: the gateway's page headers are not added to it
    expect(answer.headers.get('content-security-policy')).toBeNull();
  });

  it('closes the client connection when the upstream answered before the request body arrived', async () => {
    // headers and the first bytes of a body the client never finishes: the rest can never be read
    const { port } = new URL(gateway.url);
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.includes('\r\n\r\n')) {
          socket.destroy();
          resolve(text.slice(0, text.indexOf('\r\n\r\n')));
        }
      });
      socket.on('error', reject);
      socket.write(`POST /open/early HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\nfirst bytes`);
    });
    expect(head).toMatch(/^HTTP\/1\.1 413 /);
    expect(head.toLowerCase()).toContain('connection: close');
  });

  it('a body sent with a GET never reaches the upstream, as a body or as a request of its own', async () => {
    const { port, host } = new URL(gateway.url);
    const exchange = (payload: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
        socket.on('error', () => resolve(text));
        // two answers are expected at most; the socket is closed once they are in or after a second
        const timer = setTimeout(() => socket.destroy(), 1000);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(text);
        });
        socket.write(payload);
      });
    probes.length = 0;
    // a smuggled request inside a Content-Length body, and inside a chunked body followed by a real one
    const inner = `GET /open/probe-smuggled HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    await exchange(`GET /open/probe-a HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${inner.length}\r\n\r\n${inner}`);
    const chunk = inner.length.toString(16);
    await exchange(`GET /open/probe-b HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}\r\n${inner}\r\n0\r\n\r\nGET /open/probe-c HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect(probes.map((p) => p.url)).toEqual(['/open/probe-a', '/open/probe-b', '/open/probe-c']);
    for (const p of probes) expect(p).toMatchObject({ method: 'GET', length: undefined, te: undefined, body: '' });
  });

  it('cuts the answer short, never pads it, when the upstream hangs up in the middle', async () => {
    const outcome = await new Promise<{ status: number; error?: string; received: number }>((resolve) => {
      const req = httpRequest(`${gateway.url}/broken/x`, (res) => {
        let received = 0;
        res.on('data', (chunk: Buffer) => (received += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode!, received }));
        res.on('error', (err) => resolve({ status: res.statusCode!, error: (err as NodeJS.ErrnoException).code, received }));
        res.on('aborted', () => resolve({ status: res.statusCode!, error: 'aborted', received }));
      });
      req.on('error', (err) => resolve({ status: 0, error: (err as NodeJS.ErrnoException).code, received: 0 }));
      req.end();
    });
    expect(outcome.status).toBe(200);
    expect(outcome.error).toBeDefined();
    expect(outcome.received).toBeLessThan(1000);
  });
});

describe('the forwarder behind an HTTP/2 listener', () => {
  let pki: TestPki;
  let upstream: Server;
  let gateway: TestGateway;
  const seen: { url: string; host?: string; pseudo: string[]; digest: string }[] = [];

  beforeAll(async () => {
    pki = createTestPki();
    const cert = pki.server('gateway', { dns: ['localhost'], ip: ['127.0.0.1'] });
    upstream = createServer((req, res) => {
      const hash = createHash('sha256');
      req.on('data', (chunk: Buffer) => hash.update(chunk));
      req.on('end', () => {
        seen.push({ url: req.url!, host: req.headers.host, pseudo: Object.keys(req.headers).filter((h) => h.startsWith(':')), digest: hash.digest('hex') });
        res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive', 'keep-alive': 'timeout=5' }).end('from the engine');
      });
    });
    const port = await listen(upstream);
    gateway = await startTestGateway(async (dir) => ({
      authenticators: [{ type: 'file', name: 'local', usersFile: await usersFile(dir) }],
      server: { tls: { certFile: cert.certFile, keyFile: cert.keyFile, http2: true } },
      routes: [{ name: 'open', prefix: '/open/', upstream: `http://127.0.0.1:${port}`, requireSession: false }],
    }));
  });

  afterAll(async () => {
    await gateway?.stop();
    upstream?.closeAllConnections();
    upstream?.close();
    pki?.remove();
  });

  it('passes an HTTP/2 request and its body to an HTTP/1.1 upstream, and the answer back without connection headers', async () => {
    const body = Buffer.alloc(300_000, 'h2');
    const session = http2Connect(gateway.url, { ca: pki.ca.cert });
    try {
      const answer = await new Promise<{ status: number; text: string; headers: Record<string, unknown> }>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': '/open/upload?x=1', 'content-type': 'application/octet-stream' });
        let status = 0;
        let headers: Record<string, unknown> = {};
        let text = '';
        stream.on('response', (h) => {
          status = Number(h[':status']);
          headers = h;
        });
        stream.on('data', (d: Buffer) => (text += d.toString()));
        stream.on('end', () => resolve({ status, text, headers }));
        stream.on('error', reject);
        stream.end(body);
      });
      expect(answer.status).toBe(200);
      expect(answer.text).toBe('from the engine');
      expect(answer.headers['connection']).toBeUndefined();
      expect(answer.headers['keep-alive']).toBeUndefined();
      const last = seen.at(-1)!;
      expect(last.url).toBe('/open/upload?x=1');
      expect(last.pseudo).toEqual([]);
      expect(last.digest).toBe(createHash('sha256').update(body).digest('hex'));
    } finally {
      session.close();
    }
  });
});
