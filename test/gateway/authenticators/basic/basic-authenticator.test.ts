import type { FastifyRequest } from 'fastify';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { basicAuthenticatorSchema } from '../../../../config/schema/technical.js';
import { createBasicAuthenticator } from '../../../../gateway/authenticators/basic/basic-authenticator.js';
import type { AuthenticatedUser, AuthenticatorContext, PasswordAuthenticator } from '../../../../gateway/authenticators/types.js';
import { MemoryStore } from '../../../../gateway/sessions/memory-store.js';

const log = pino({ level: 'silent' });

/** A stand-in password authenticator (unit test only): alice/wonderland is right. */
function fakeUsers() {
  const verify = vi.fn(async (login: string, password: string): Promise<AuthenticatedUser | null> =>
    login === 'alice' && password === 'wonderland'
      ? { loginId: 'alice', roles: ['user'], groups: [], attributes: {}, level: 'auth.weak', amr: ['pwd'], authenticator: 'local' }
      : null,
  );
  const users: PasswordAuthenticator = { kind: 'password', type: 'file', name: 'local', verify };
  return { users, verify };
}

function build(options: Record<string, unknown> = {}, throttle = { maxFailuresPerUser: 3, maxFailuresPerAddress: 100, windowSeconds: 60, lockoutSeconds: 60 }) {
  const { users, verify } = fakeUsers();
  const ctx: AuthenticatorContext = {
    configDir: '.',
    dataDir: '.',
    publicUrl: 'http://127.0.0.1',
    log,
    byName: (name) => (name === 'local' ? users : undefined),
    sharedStore: new MemoryStore({ maxEntries: 1000 }),
    loginThrottle: throttle,
  };
  const basic = createBasicAuthenticator(basicAuthenticatorSchema.parse({ type: 'basic', users: 'local', ...options }), ctx);
  return { basic, verify, store: ctx.sharedStore };
}

const basicHeader = (login: string, password: string) => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
const req = (authorization?: string, url = '/api/x') =>
  ({ url, headers: authorization ? { authorization } : {}, socket: { remoteAddress: '127.0.0.1' }, log }) as unknown as FastifyRequest;

describe('basic authenticator', () => {
  it('answers the user for right credentials, with amr basic', async () => {
    const { basic } = build();
    expect(await basic.authenticate(req(basicHeader('alice', 'wonderland')))).toMatchObject({ loginId: 'alice', amr: ['basic'], authenticator: 'basic' });
  });

  it('looks away from requests without Basic credentials', async () => {
    const { basic } = build();
    expect(await basic.authenticate(req())).toBeNull();
    expect(await basic.authenticate(req('Bearer abc'))).toBeNull();
  });

  it('answers 401 with a Basic challenge for a wrong password', async () => {
    const { basic } = build({ realm: 'api' });
    await expect(basic.authenticate(req(basicHeader('alice', 'nope')))).rejects.toMatchObject({
      code: 'GW_BASIC_INVALID',
      statusCode: 401,
      headers: { 'www-authenticate': 'Basic realm="api", charset="UTF-8"' },
    });
  });

  it('remembers a successful check, but not for another password', async () => {
    const { basic, verify } = build();
    await basic.authenticate(req(basicHeader('alice', 'wonderland')));
    await basic.authenticate(req(basicHeader('alice', 'wonderland')));
    expect(verify).toHaveBeenCalledTimes(1);
    await expect(basic.authenticate(req(basicHeader('alice', 'wonderland!')))).rejects.toMatchObject({ statusCode: 401 });
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('never keeps the password: nothing in the shared store or the cached user holds it', async () => {
    const { basic, store } = build();
    const user = await basic.authenticate(req(basicHeader('alice', 'wonderland')));
    expect(JSON.stringify(user)).not.toContain('wonderland');
    await basic.authenticate(req(basicHeader('alice', 'wrong-secret-xyz'))).catch(() => undefined);
    // the store keeps counters keyed by login and address only
    expect(await store.get('login-failures:user:alice')).toBeDefined();
  });

  it('with cacheSeconds 0 every request is checked', async () => {
    const { basic, verify } = build({ cacheSeconds: 0 });
    await basic.authenticate(req(basicHeader('alice', 'wonderland')));
    await basic.authenticate(req(basicHeader('alice', 'wonderland')));
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('locks a user out after the configured failures, right password or not', async () => {
    const { basic } = build();
    for (let i = 0; i < 2; i++) await expect(basic.authenticate(req(basicHeader('alice', 'x')))).rejects.toMatchObject({ statusCode: 401 });
    await expect(basic.authenticate(req(basicHeader('alice', 'x')))).rejects.toMatchObject({ statusCode: 429, code: 'GW_LOGIN_THROTTLED' });
    const locked = await basic.authenticate(req(basicHeader('alice', 'wonderland'))).catch((e) => e);
    expect(locked).toMatchObject({ statusCode: 429, headers: { 'retry-after': expect.stringMatching(/^\d+$/) } });
  });

  it.each([
    ['not base64', 'Basic ***'],
    ['no colon', `Basic ${Buffer.from('alice').toString('base64')}`],
    ['empty login', `Basic ${Buffer.from(':pw').toString('base64')}`],
    ['control character in login', `Basic ${Buffer.from('al\nice:pw').toString('base64')}`],
  ])('refuses malformed credentials (%s) with 400', async (_what, header) => {
    const { basic } = build();
    await expect(basic.authenticate(req(header))).rejects.toMatchObject({ statusCode: 400, code: 'GW_BASIC_MALFORMED' });
  });

  it('looks only under pathPrefixes when given', async () => {
    const { basic } = build({ pathPrefixes: ['/api/'] });
    expect(await basic.authenticate(req(basicHeader('alice', 'wonderland'), '/app/x'))).toBeNull();
    expect(await basic.authenticate(req(basicHeader('alice', 'wonderland'), '/api/x'))).not.toBeNull();
  });

  it('fails at start-up when its users authenticator is missing or cannot check passwords', () => {
    const ctx = { configDir: '.', dataDir: '.', publicUrl: '', log, sharedStore: new MemoryStore({ maxEntries: 10 }) };
    expect(() => createBasicAuthenticator(basicAuthenticatorSchema.parse({ type: 'basic', users: 'ldap' }), { ...ctx, byName: () => undefined })).toThrow(
      expect.objectContaining({ code: 'GW_AUTHENTICATOR_INVALID' }),
    );
    const routed = { kind: 'request', type: 'mtls', name: 'm', authenticate: async () => null } as const;
    expect(() => createBasicAuthenticator(basicAuthenticatorSchema.parse({ type: 'basic', users: 'm' }), { ...ctx, byName: () => routed })).toThrow(
      expect.objectContaining({ code: 'GW_AUTHENTICATOR_INVALID' }),
    );
  });
});
