import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultClient } from '../../../engine-client/vault/index.js';

/** A real HTTP server standing in for the gateway's vault API: it answers per token and counts calls. */
let server: Server;
let url: string;
const calls: Array<{ token: string; keys: string[] }> = [];
const VALUES: Record<string, Record<string, string>> = { alice: { gh: 'alice-gh', aws: 'alice-aws' }, bob: { gh: 'bob-gh' } };

/** An unsigned token-shaped string whose payload names the user and the expiry. */
const tokenFor = (user: string, expSeconds: number) =>
  `h.${Buffer.from(JSON.stringify({ sub: user, exp: expSeconds })).toString('base64url')}.s`;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const token = String(req.headers.authorization).replace('Bearer ', '');
      const user = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string;
      const { keys } = JSON.parse(body) as { keys: string[] };
      calls.push({ token, keys });
      res.setHeader('content-type', 'application/json');
      if (user === 'mallory') {
        res.statusCode = 401;
        return res.end(JSON.stringify({ message: 'the Bearer token is not valid' }));
      }
      const values: Record<string, string> = {};
      const missing: string[] = [];
      for (const k of keys) (VALUES[user]?.[k] !== undefined ? (values[k] = VALUES[user][k]!) : missing.push(k));
      res.end(JSON.stringify({ values, missing }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('the vault client', () => {
  it('fetches one and several values with the token it is given, and caches per token', async () => {
    let now = 1_000_000_000_000;
    const client = createVaultClient({ gatewayUrl: url, cacheSeconds: 30, now: () => now });
    const alice = tokenFor('alice', now / 1000 + 300);
    const bob = tokenFor('bob', now / 1000 + 300);
    calls.length = 0;
    expect(await client.get(alice, 'gh')).toBe('alice-gh');
    expect(await client.get(bob, 'gh')).toBe('bob-gh'); // same key, other token: its own call
    expect(await client.getMany(alice, ['gh', 'aws', 'nope'])).toEqual({ values: { gh: 'alice-gh', aws: 'alice-aws' }, missing: ['nope'] });
    expect(calls.map((c) => c.keys)).toEqual([['gh'], ['gh'], ['aws', 'nope']]);
    now += 31_000;
    await client.get(alice, 'gh');
    expect(calls).toHaveLength(4);
  });

  it('never keeps a value past the expiry of the token it was fetched with', async () => {
    let now = 2_000_000_000_000;
    const client = createVaultClient({ gatewayUrl: url, cacheSeconds: 60, now: () => now });
    const shortLived = tokenFor('alice', now / 1000 + 5);
    calls.length = 0;
    await client.get(shortLived, 'gh');
    now += 4_000;
    await client.get(shortLived, 'gh');
    expect(calls).toHaveLength(1);
    now += 2_000; // past exp
    await client.get(shortLived, 'gh');
    expect(calls).toHaveLength(2);
  });

  it('forgets a token on request', async () => {
    const client = createVaultClient({ gatewayUrl: url });
    const alice = tokenFor('alice', Date.now() / 1000 + 300);
    calls.length = 0;
    await client.get(alice, 'gh');
    client.forget(alice);
    await client.get(alice, 'gh');
    expect(calls).toHaveLength(2);
  });

  it('answers coded errors: a missing key, a refused token, an unreachable gateway', async () => {
    const client = createVaultClient({ gatewayUrl: url, cacheSeconds: 0 });
    await expect(client.get(tokenFor('bob', Date.now() / 1000 + 60), 'aws')).rejects.toMatchObject({ code: 'VAULT_CREDENTIAL_MISSING', statusCode: 404 });
    await expect(client.get(tokenFor('mallory', Date.now() / 1000 + 60), 'gh')).rejects.toMatchObject({ code: 'VAULT_REFUSED' });
    const nowhere = createVaultClient({ gatewayUrl: 'http://127.0.0.1:9', timeoutMs: 500 });
    await expect(nowhere.get(tokenFor('alice', Date.now() / 1000 + 60), 'gh')).rejects.toMatchObject({ code: 'VAULT_UNAVAILABLE' });
    expect(() => createVaultClient({ gatewayUrl: 'ftp://x' })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID' }));
  });
});
