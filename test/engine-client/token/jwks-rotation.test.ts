/**
 * Live key rotation seen by an engine: a real JWKS server rotates twice, seconds apart, while
 * tokens signed with the newest key are verified under load. The verifier keeps its default
 * 30 s refetch cooldown; not one verification may fail.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../../engine-client/token/verify.js';
import { AUDIENCE, ISSUER, makeKey, mint, rejectionOf, startJwksServer, type JwksServer } from './fixtures.js';

let server: JwksServer;
beforeEach(async () => {
  server = await startJwksServer([]);
});
afterEach(async () => server.close());

describe('key rotation during the refetch cooldown', () => {
  it('two rotations 2 s apart under load: 0 failed verifications', async () => {
    const keys = [makeKey('EdDSA', 'k1'), makeKey('EdDSA', 'k2'), makeKey('EdDSA', 'k3')];
    server.setKeys([keys[0]!.publicJwk]);
    const v = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: server.url }); // cooldown: default 30 s
    let current = 0;
    let ok = 0;
    const failures: string[] = [];
    const end = Date.now() + 5_500;
    const worker = async () => {
      while (Date.now() < end) {
        const token = await mint({ key: keys[current]! });
        try {
          await v.verify(token);
          ok++;
        } catch (err) {
          failures.push(`${keys[current]!.kid}: ${(err as { code?: string }).code}`);
        }
      }
    };
    const rotations = (async () => {
      for (const next of [1, 2]) {
        await new Promise((r) => setTimeout(r, 2_000));
        // the gateway publishes the new key (keeping the previous) and signs with it at once
        server.setKeys([keys[next]!.publicJwk, keys[next - 1]!.publicJwk]);
        current = next;
      }
    })();
    await Promise.all([...Array.from({ length: 8 }, worker), rotations]);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    expect(server.fetches).toBeLessThanOrEqual(4); // the first fetch and about one per rotation
  });

  it('forged kids issued after the fetch force at most one fetch per second', async () => {
    server.setKeys([makeKey('EdDSA', 'real').publicJwk]);
    const v = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: server.url });
    await v.reloadKeys();
    const fetchesBefore = server.fetches;
    const forged = await Promise.all(Array.from({ length: 50 }, () => mint({ key: makeKey('EdDSA', `ghost-${Math.random()}`) })));
    for (const token of forged) expect((await rejectionOf(v.verify(token))).code).toBe('TOKEN_UNKNOWN_KID');
    expect(server.fetches - fetchesBefore).toBeLessThanOrEqual(2);
  });
});
