import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTokenVerifier, type TokenVerifier } from '../../engine-client/token/index.js';
import { mapIdentity } from '../../engine-client/identity/index.js';
import type { Identity } from '../../engine-client/identity/types.js';
import type { PortcullisConfigInput } from '../../config/schema/index.js';
import { writeUsersFile, type TestUser } from './gateway.js';
import { CookieClient, loginWithForm } from './http-client.js';

/** carol asks, bob and dave approve (role `approver`), erin is a bystander. */
export const APPROVAL_USERS: Record<string, TestUser> = {
  carol: { password: 'carol-pw', roles: ['user'], attributes: { firstName: 'Carol', lastName: 'Danvers', email: 'carol@example.test', language: 'de' } },
  bob: { password: 'builder', roles: ['user', 'approver'], attributes: { firstName: 'Bob', lastName: 'Builder', email: 'bob@example.test' } },
  dave: { password: 'dave-pw', roles: ['user', 'approver'], attributes: { firstName: 'Dave', lastName: 'Lister', email: 'dave@example.test', language: 'en' } },
  erin: { password: 'erin-pw', roles: ['user'], attributes: { email: 'erin@example.test' } },
};

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  identity: Identity;
}

/** An engine that verifies the gateway's token like a real one and records every request it gets. */
export class RecordingEngine {
  readonly received: ReceivedRequest[] = [];
  url = '';
  #server?: Server;
  #verifier?: TokenVerifier;
  /** the status it answers with */
  status = 201;
  /** HTML pages it serves on GET (path → page), for browser tests */
  readonly pages = new Map<string, string>();

  async start(port = 0): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        try {
          const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
          const verified = await this.#verifier!.verify(token);
          const page = req.method === 'GET' ? this.pages.get(req.url!) : undefined;
          if (page !== undefined) return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
          this.received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString(), identity: mapIdentity(verified.claims) });
          res.writeHead(this.status, { 'content-type': 'application/json' }).end(JSON.stringify({ created: true, path: req.url }));
        } catch (err) {
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
        }
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  trust(gatewayUrl: string, issuer = gatewayUrl): void {
    this.#verifier = createTokenVerifier({ issuer, audience: 'admin-api', jwksUrl: `${gatewayUrl}/.well-known/jwks.json` });
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

/** The approval route: POSTs that create users are held for one (or two) approvers of role `approver`. */
export async function approvalConfig(dir: string, upstream: string, more: Partial<PortcullisConfigInput> & { required?: 1 | 2; expiresAfterSeconds?: number; issuer?: string; maxOpenPerRequester?: number } = {}): Promise<PortcullisConfigInput> {
  const { required = 1, expiresAfterSeconds = 3600, issuer = 'portcullis-approvals', maxOpenPerRequester = 20, ...rest } = more;
  await writeUsersFile(dir, APPROVAL_USERS);
  return {
    authenticators: [
      { type: 'file', name: 'local', usersFile: 'users.yaml' },
      { type: 'basic', name: 'api', users: 'local', realm: 'api' },
    ],
    loginThrottle: { maxEntryRequestsPerAddress: 10_000 },
    tokens: { issuer },
    approvals: { sweepSeconds: 1 },
    routes: [
      {
        name: 'admin-api',
        prefix: '/admin-api/',
        upstream,
        filters: [
          {
            use: 'approval',
            when: { methods: ['POST', 'PUT', 'DELETE'], paths: ['/admin-api/users/**', '/admin-api/users'] },
            options: { approvers: { roles: ['approver'] }, required, expiresAfterSeconds, maxBodyBytes: 1024, maxOpenPerRequester, description: 'Create or change a user account' },
          },
        ],
      },
    ],
    ...rest,
  };
}

export async function loggedIn(base: string, user: string): Promise<CookieClient> {
  const client = new CookieClient(base);
  const answer = await loginWithForm(client, user, APPROVAL_USERS[user]!.password, '/account');
  if (answer.status !== 303 && answer.status !== 302) throw new Error(`login of ${user} failed: ${answer.status}`);
  return client;
}

export const basicAuth = (user: string) => `Basic ${Buffer.from(`${user}:${APPROVAL_USERS[user]!.password}`).toString('base64')}`;
