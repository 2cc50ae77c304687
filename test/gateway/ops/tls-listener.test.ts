import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as http2Connect } from 'node:http2';
import { Agent, request } from 'node:https';
import { copyFileSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { createTestPki, type TestPki } from '../../support/test-pki.js';
import { demoConfig, startTestGateway, type TestGateway } from '../../support/gateway.js';

/**
 * TLS on the main listener with real certificates from openssl: the certificate, minimum
 * version and HTTP/2 the configuration asks for, and a certificate replaced while a
 * connection stays open.
 */
let pki: TestPki;
let gateway: TestGateway;
let certDir: string;
let firstCert: string;

const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256;

/** GET over a given agent (keep-alive reuses one connection); answers status and the server certificate seen. */
function get(url: string, agent: Agent): Promise<{ status: number; fingerprint: string; body: string; socketId: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      const socket = res.socket as unknown as { getPeerCertificate(): PeerCertificate; localPort: number };
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      const socketId = socket.localPort;
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, fingerprint, body, socketId }));
    });
    req.on('error', reject);
    req.end();
  });
}

function handshake(port: number, options: { minVersion?: 'TLSv1.2' | 'TLSv1.3'; maxVersion?: 'TLSv1.2' | 'TLSv1.3' }): Promise<{ protocol: string | null; fingerprint: string } | Error> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: pki.ca.cert, servername: 'localhost', ...options }, () => {
      const answer = { protocol: socket.getProtocol(), fingerprint: socket.getPeerCertificate().fingerprint256 };
      socket.end();
      resolve(answer);
    });
    socket.on('error', (err) => resolve(err));
  });
}

beforeAll(async () => {
  pki = createTestPki();
  const first = pki.server('first', { dns: ['localhost'], ip: ['127.0.0.1'] });
  certDir = pki.dir;
  firstCert = first.cert;
  copyFileSync(first.certFile, join(certDir, 'live.crt'));
  copyFileSync(first.keyFile, join(certDir, 'live.key'));
  gateway = await startTestGateway(async (dir) => ({
    ...(await demoConfig(dir)),
    demoEngine: { enabled: false },
    routes: [],
    server: { tls: { certFile: join(certDir, 'live.crt'), keyFile: join(certDir, 'live.key'), chainFile: pki.ca.certFile, minVersion: 'TLSv1.3', http2: true, watch: true } },
  }));
});

afterAll(async () => {
  await gateway?.stop();
  pki?.remove();
});

describe('TLS on the main listener', () => {
  it('serves https with the configured certificate and sends the chain after it', async () => {
    expect(gateway.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const agent = new Agent({ ca: pki.ca.cert, keepAlive: false });
    const answer = await get(`${gateway.url}/healthz`, agent);
    expect(answer.status).toBe(200);
    expect(answer.fingerprint).toBe(fingerprintOf(firstCert));
    agent.destroy();
  });

  it('refuses a client below the minimum version and accepts one at it', async () => {
    const port = Number(new URL(gateway.url).port);
    const old = await handshake(port, { maxVersion: 'TLSv1.2' });
    expect(old).toBeInstanceOf(Error);
    const current = await handshake(port, { minVersion: 'TLSv1.3' });
    expect(current).not.toBeInstanceOf(Error);
    expect((current as { protocol: string }).protocol).toBe('TLSv1.3');
  });

  it('speaks HTTP/2 when asked, and keeps HTTP/1.1 for clients without it', async () => {
    const session = http2Connect(gateway.url, { ca: pki.ca.cert });
    try {
      const { status, body, requestId } = await new Promise<{ status: number; body: string; requestId: unknown }>((resolve, reject) => {
        const stream = session.request({ ':path': '/healthz' });
        let status = 0;
        let requestId: unknown;
        let body = '';
        stream.on('response', (headers) => {
          status = Number(headers[':status']);
          requestId = headers['x-request-id'];
        });
        stream.on('data', (d) => (body += d));
        stream.on('end', () => resolve({ status, body, requestId }));
        stream.on('error', reject);
        stream.end();
      });
      expect(status).toBe(200);
      expect(JSON.parse(body)).toEqual({ status: 'ok' });
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      session.close();
    }
  });

  it('replaces the certificate without dropping an open connection, and refuses a broken replacement', async () => {
    const agent = new Agent({ ca: pki.ca.cert, keepAlive: true, maxSockets: 1 });
    const open = await get(`${gateway.url}/healthz`, agent);
    expect(open.status).toBe(200);
    expect(open.fingerprint).toBe(fingerprintOf(firstCert));

    const second = pki.server('second', { dns: ['localhost'], ip: ['127.0.0.1'] });
    copyFileSync(second.certFile, join(certDir, 'live.crt'));
    copyFileSync(second.keyFile, join(certDir, 'live.key'));
    // the file watcher picks the change up within its debounce; SIGHUP calls the same reload
    const port = Number(new URL(gateway.url).port);
    const deadline = Date.now() + 5_000;
    let seen = '';
    while (Date.now() < deadline) {
      const h = await handshake(port, {});
      seen = h instanceof Error ? '' : h.fingerprint;
      if (seen === fingerprintOf(second.cert)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toBe(fingerprintOf(second.cert));

    // the connection opened before the swap is still the same one and still answers
    const again = await get(`${gateway.url}/healthz`, agent);
    expect(again.status).toBe(200);
    expect(again.socketId).toBe(open.socketId);
    expect(again.fingerprint).toBe(open.fingerprint);

    // a key that does not fit the certificate: refused, the second certificate stays
    const third = pki.server('third', { dns: ['localhost'] });
    writeFileSync(join(certDir, 'live.key'), third.key);
    expect(await gateway.reloadCertificates()).toBe(false);
    const after = await handshake(port, {});
    expect(after instanceof Error ? '' : after.fingerprint).toBe(fingerprintOf(second.cert));
    expect(gateway.logs()).toContain('TLS certificate reload refused');
    agent.destroy();
  });
});
