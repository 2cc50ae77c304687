/**
 * A forward-token identity backend against a real HTTPS identity service that records what
 * reaches it: a call without a caller switches to the configured technical user (its client
 * certificate, its own endpoints), and each encoding of a forwarded Basic credential sends the
 * exact bytes it says.
 */
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpIdentityBackend, type HttpIdentityBackendOptions } from '../../../engine-client/identity-backend/index.js';
import { createTestPki, type TestPki } from '../../support/test-pki.js';

interface Seen {
  server: string;
  authorization?: string;
  peerCn?: string;
}

let pki: TestPki;
const servers: Server[] = [];
const seen: Seen[] = [];

async function idm(label: string, requireCert: boolean): Promise<string> {
  const cert = pki.server('idm', { ip: ['127.0.0.1'] });
  const server = createHttpsServer({ cert: cert.cert, key: cert.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: requireCert }, (req: IncomingMessage, res: ServerResponse) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    seen.push({ server: label, authorization: req.headers.authorization, peerCn: peer && 'subject' in peer && peer.subject ? (peer.subject.CN as string) : undefined });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ loginId: 'ada', attributes: {}, groups: [] }));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `https://127.0.0.1:${(server.address() as { port: number }).port}/api`;
}

let userEndpoint: string;
let technicalEndpoint: string;

beforeAll(async () => {
  pki = createTestPki();
  userEndpoint = await idm('user-endpoint', false);
  technicalEndpoint = await idm('clientcert-endpoint', true);
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections?.();
    await new Promise<void>((r) => s.close(() => r()));
  }
  pki?.remove();
});

const backend = (auth: HttpIdentityBackendOptions['auth']) => createHttpIdentityBackend({ endpoints: [userEndpoint], ca: pki.ca.cert, cache: false, auth });
const basic = (bytes: Buffer) => `Basic ${bytes.toString('base64')}`;

describe('technical-user fallback', () => {
  it('a call without a caller token goes to the clientcert endpoint with the technical user certificate', async () => {
    const job = pki.client('timer-job');
    const b = backend({ type: 'forward-token', technicalUser: { cert: job.cert, key: job.key, endpoints: [technicalEndpoint] } });
    try {
      seen.length = 0;
      await b.getUser('ada');
      await b.getUser('ada', { caller: { bearerToken: 'user-token' } });
      expect(seen).toEqual([
        { server: 'clientcert-endpoint', authorization: undefined, peerCn: 'timer-job' },
        { server: 'user-endpoint', authorization: 'Bearer user-token', peerCn: undefined },
      ]);
    } finally {
      await b.close();
    }
  });

  it('without a technical user, a token-less call is refused and nothing is sent', async () => {
    const b = backend({ type: 'forward-token' });
    try {
      seen.length = 0;
      await expect(b.getUser('ada')).rejects.toMatchObject({ code: 'IDENTITY_BACKEND_CALLER_MISSING' });
      expect(seen).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it('refuses a technical user on plain http endpoints at construction', () => {
    const job = pki.client('timer-job-2');
    expect(() => createHttpIdentityBackend({ endpoints: ['http://127.0.0.1:1/api'], auth: { type: 'forward-token', technicalUser: { cert: job.cert, key: job.key } } })).toThrow(
      expect.objectContaining({ code: 'OPTIONS_INVALID', path: 'endpoints[0]' }),
    );
  });
});

describe('encodings of a forwarded Basic credential', () => {
  // "jürgen:pässwörd" as a browser sends it in ISO-8859-1, and in UTF-8
  const latin1 = Buffer.from('jürgen:pässwörd', 'latin1');
  const utf8 = Buffer.from('jürgen:pässwörd', 'utf8');

  const sent = async (encoding: string, header: string) => {
    const b = backend({ type: 'forward-token', encoding });
    try {
      seen.length = 0;
      await b.getUser('ada', { caller: { originalHeader: header } });
      return seen[0]!.authorization;
    } finally {
      await b.close();
    }
  };

  it('forward: the header byte for byte, even in ISO-8859-1', async () => {
    expect(await sent('forward', basic(latin1))).toBe(basic(latin1));
  });

  it('automatic: ISO-8859-1 and UTF-8 credentials both arrive in UTF-8', async () => {
    expect(await sent('automatic', basic(latin1))).toBe(basic(utf8));
    expect(await sent('automatic', basic(utf8))).toBe(basic(utf8));
  });

  it('ISO-8859-1: a UTF-8 credential arrives in ISO-8859-1', async () => {
    expect(await sent('ISO-8859-1', basic(utf8))).toBe(basic(latin1));
  });

  it('UTF-8 as a named charset is what automatic does', async () => {
    expect(await sent('UTF-8', basic(latin1))).toBe(basic(utf8));
  });

  it('a character the charset cannot hold is refused, never replaced', async () => {
    const b = backend({ type: 'forward-token', encoding: 'US-ASCII' });
    try {
      seen.length = 0;
      await expect(b.getUser('ada', { caller: { originalHeader: basic(utf8) } })).rejects.toMatchObject({ code: 'IDENTITY_BACKEND_CALLER_UNENCODABLE' });
      expect(seen).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it('a Bearer token is forwarded unchanged whatever the encoding', async () => {
    expect(await sent('ISO-8859-1', 'Bearer abc.def.ghi')).toBe('Bearer abc.def.ghi');
  });

  it('an unknown encoding is refused at construction, naming the option', () => {
    expect(() => backend({ type: 'forward-token', encoding: 'EBCDIC' })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', path: 'auth.encoding' }));
  });
});
