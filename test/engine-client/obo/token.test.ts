import { generateKeyPairSync, createSecretKey } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createOboTokenSigner } from '../../../engine-client/obo/index.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

describe('on-behalf-of token', () => {
  it('names the user as sub and the engine as RFC 8693 actor, short-lived', async () => {
    const signer = createOboTokenSigner({ privateKey, issuer: 'workflow-engine', audience: 'saas', keyId: 'engine-1' });
    const token = await signer.sign({ userId: 'bob', reason: 'last-human-actor' });
    const { payload } = await jwtVerify(token, publicKey, { issuer: 'workflow-engine', audience: 'saas', algorithms: ['EdDSA'] });
    expect(payload.sub).toBe('bob');
    expect(payload.act).toEqual({ sub: 'workflow-engine' });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(typeof payload.jti).toBe('string');
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', kid: 'engine-1' });
  });

  it('nests the prior actor when the engine itself was called by a delegate', async () => {
    const signer = createOboTokenSigner({ privateKey, issuer: 'workflow-engine', actor: 'spiffe://acme/engine', audience: 'saas' });
    const token = await signer.sign('alice', { sub: 'portal' });
    const { payload } = await jwtVerify(token, publicKey, { audience: 'saas' });
    expect(payload.act).toEqual({ sub: 'spiffe://acme/engine', act: { sub: 'portal' } });
  });

  it('reuses a token while more than half of its life is left, per user', async () => {
    const signer = createOboTokenSigner({ privateKey, issuer: 'e', audience: 'saas' });
    expect(await signer.sign('alice')).toBe(await signer.sign('alice'));
    expect(await signer.sign('alice')).not.toBe(await signer.sign('bob'));
  });

  it('refuses symmetric keys, mismatched algorithms and long lifetimes at start-up', () => {
    expect(() => createOboTokenSigner({ privateKey: createSecretKey(Buffer.alloc(32)) as never, issuer: 'e', audience: 'a' }, 'obo')).toThrow(
      expect.objectContaining({ code: 'OPTIONS_INVALID', path: 'obo.privateKey' }),
    );
    expect(() => createOboTokenSigner({ privateKey, algorithm: 'RS256', issuer: 'e', audience: 'a' }, 'obo')).toThrow(
      expect.objectContaining({ path: 'obo.privateKey' }),
    );
    expect(() => createOboTokenSigner({ privateKey, algorithm: 'HS256' as never, issuer: 'e', audience: 'a' }, 'obo')).toThrow(
      expect.objectContaining({ path: 'obo.algorithm' }),
    );
    expect(() => createOboTokenSigner({ privateKey, issuer: 'e', audience: 'a', lifetimeSeconds: 3600 }, 'obo')).toThrow(
      expect.objectContaining({ path: 'obo.lifetimeSeconds' }),
    );
  });
});

describe('on-behalf-of token key publication', () => {
  it('publishes the public key as a JWK that verifies its tokens; kid defaults to the thumbprint', async () => {
    const { createLocalJWKSet } = await import('jose');
    const signer = createOboTokenSigner({ privateKey, issuer: 'workflow-engine', audience: 'saas' });
    const jwk = await signer.publicJwk();
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwk).not.toHaveProperty('d');
    expect(jwk.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const token = await signer.sign('carol');
    expect(decodeProtectedHeader(token).kid).toBe(jwk.kid);
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [jwk] }), { audience: 'saas' });
    expect(payload.sub).toBe('carol');
  });
});
