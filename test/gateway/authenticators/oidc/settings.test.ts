import { describe, expect, it } from 'vitest';
import { oidcAuthenticatorSchema } from '../../../../config/schema/oidc.js';
import { resolveOidcSettings } from '../../../../gateway/authenticators/oidc/settings.js';

const base = (provider: Record<string, unknown> = {}, more: Record<string, unknown> = {}) =>
  oidcAuthenticatorSchema.parse({ type: 'oidc', providers: [{ name: 'corp', issuer: 'https://op.example.test', clientId: 'gw', clientSecret: 'plain://s', ...provider }], ...more });
const ctx = { configDir: '/tmp', publicUrl: 'https://gw.example.test/', storeShared: false };

describe('OIDC options', () => {
  it('writes out the gateway URLs of each provider', async () => {
    const s = await resolveOidcSettings(base(), ctx);
    expect(s.providers[0]).toMatchObject({
      redirectUri: 'https://gw.example.test/oidc/corp/callback',
      postLogoutRedirectUri: 'https://gw.example.test/oidc/corp/logged-out',
      backchannelLogoutUri: 'https://gw.example.test/oidc/corp/backchannel-logout',
      label: 'Sign in with corp',
    });
    expect(s.tokenKey).toHaveLength(32);
  });

  it('the schema refuses a missing secret or key for the chosen client authentication, duplicate names, symmetric algorithms', () => {
    const parse = (providers: unknown[]) => oidcAuthenticatorSchema.safeParse({ type: 'oidc', providers });
    const p = { name: 'corp', issuer: 'https://op.example.test', clientId: 'gw' };
    expect(parse([p]).error?.issues[0]).toMatchObject({ path: ['providers', 0, 'clientSecret'] });
    expect(parse([{ ...p, clientAuth: 'private_key_jwt' }]).error?.issues[0]).toMatchObject({ path: ['providers', 0, 'privateKey'] });
    expect(parse([{ ...p, clientSecret: 'inline-secret' }]).success).toBe(false);
    expect(parse([{ ...p, clientSecret: 'plain://s', idTokenAlgorithms: ['HS256'] }]).success).toBe(false);
    expect(parse([{ ...p, clientSecret: 'plain://s', idTokenAlgorithms: ['none'] }]).success).toBe(false);
    expect(parse([{ ...p, clientSecret: 'plain://s' }, { ...p, clientSecret: 'plain://s' }]).error?.issues[0]?.message).toContain('duplicate provider name');
  });

  it('refuses a plain-http issuer that is not on a loopback address, naming the option', async () => {
    await expect(resolveOidcSettings(base({ issuer: 'http://op.example.test' }), ctx)).rejects.toMatchObject({ code: 'OIDC_CONFIG_INVALID', message: expect.stringContaining('authenticators[oidc].providers[0].issuer: the issuer must be an https URL') });
    await expect(resolveOidcSettings(base({ issuer: 'http://127.0.0.1:9999' }), ctx)).resolves.toBeDefined();
  });

  it('requires tokenEncryptionKey with a shared store, and a usable one', async () => {
    await expect(resolveOidcSettings(base(), { ...ctx, storeShared: true })).rejects.toMatchObject({ code: 'OIDC_CONFIG_INVALID', message: expect.stringContaining('tokenEncryptionKey: is required when sessions are kept in a shared store') });
    await expect(resolveOidcSettings(base({}, { tokenEncryptionKey: 'plain://short' }), ctx)).rejects.toMatchObject({ code: 'OIDC_CONFIG_INVALID' });
    const b64 = Buffer.alloc(32, 7).toString('base64');
    expect((await resolveOidcSettings(base({}, { tokenEncryptionKey: `plain://${b64}` }), { ...ctx, storeShared: true })).tokenKey).toEqual(Buffer.alloc(32, 7));
  });

  it('a private key that does not parse fails with the option path and without the key text', async () => {
    const err = await resolveOidcSettings(base({ clientAuth: 'private_key_jwt', clientSecret: undefined, privateKey: 'plain://-----BEGIN PRIVATE KEY-----garbage' }), ctx).catch((e) => e);
    expect(err).toMatchObject({ code: 'OIDC_CONFIG_INVALID', message: expect.stringContaining('providers[0].privateKey: not a usable RS256 private key') });
    expect(err.message).not.toContain('garbage');
  });

  it('a secret reference that does not resolve names the option', async () => {
    await expect(resolveOidcSettings(base({ clientSecret: 'env://PORTCULLIS_NO_SUCH_VAR' }), ctx)).rejects.toMatchObject({ code: 'OIDC_CONFIG_INVALID', message: expect.stringContaining('providers[0].clientSecret') });
  });
});
