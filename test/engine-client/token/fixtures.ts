/**
 * Test fixtures: key pairs and tokens minted with jose directly (not with the gateway's
 * minter, so engine-client's tests stand on their own), and a real local JWKS server.
 */
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, type JWK } from 'jose';
import { jwkThumbprint } from '../../../engine-client/token/trusted-keys.js';
import type { TokenAlgorithm } from '../../../engine-client/token/claims.js';

export const ISSUER = 'https://gateway.test';
export const AUDIENCE = 'workflow-engine';

export interface TestKey {
  alg: TokenAlgorithm;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
  publicPem: string;
}

export function makeKey(alg: TokenAlgorithm = 'EdDSA', kid?: string): TestKey {
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const exported = pair.publicKey.export({ format: 'jwk' }) as JWK;
  const id = kid ?? jwkThumbprint(exported);
  return {
    alg,
    kid: id,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    publicJwk: { ...exported, kid: id, alg, use: 'sig' },
    publicPem: pair.publicKey.export({ format: 'pem', type: 'spki' }) as string,
  };
}

export interface MintOptions {
  key: TestKey;
  claims?: Record<string, unknown>;
  /** claims to remove from the defaults */
  omit?: string[];
  header?: Record<string, unknown>;
  /** seconds since epoch used as "now" for iat/nbf/exp defaults */
  now?: number;
  lifetime?: number;
}

/** A contract token (iss, aud, sub, iat, nbf, exp, jti, roles, ...) signed with `key`. */
export async function mint(options: MintOptions): Promise<string> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'alice',
    iat: now,
    nbf: now,
    exp: now + (options.lifetime ?? 300),
    jti: randomUUID(),
    roles: ['user'],
    groups: ['staff'],
    acr: 'auth.weak',
    amr: ['pwd'],
    loginId: 'alice',
    email: 'alice@example.test',
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.key.alg, kid: options.key.kid, typ: 'JWT', ...options.header } as never)
    .sign(options.key.privateKey);
}

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

export interface JwksServer {
  url: string;
  /** requests served so far */
  readonly fetches: number;
  setKeys(keys: JWK[]): void;
  /** replace the handler (errors, slowness) */
  respondWith(handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined): void;
  close(): Promise<void>;
}

/** A real HTTP server on a free loopback port serving a JWK set. */
export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  let current = keys;
  let fetches = 0;
  let custom: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    fetches++;
    if (custom) return custom(req, res);
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(JSON.stringify({ keys: current }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    setKeys(next) {
      current = next;
    },
    respondWith(handler) {
      custom = handler;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Run `promise` and return the error it rejects with (fails the test when it resolves). */
export type Rejection = Error & { code?: string; statusCode?: number; expose?: boolean; headers?: Record<string, string> };

export async function rejectionOf(promise: Promise<unknown>): Promise<Rejection> {
  try {
    await promise;
  } catch (err) {
    return err as Rejection;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
