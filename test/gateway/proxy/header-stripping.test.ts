import { describe, expect, it } from 'vitest';
import { ClientHeaderStripper, normalizeHeaderName } from '../../../gateway/proxy/header-stripping.js';

describe('client header stripping', () => {
  const stripper = new ClientHeaderStripper(['authorization', 'X-Mail', 'x_tenant']);

  it('compares names normalised: case and _ versus -', () => {
    expect(normalizeHeaderName('X_Remote_User')).toBe('x-remote-user');
    for (const name of ['x-user', 'x_user', 'x_remote_user', 'x-on-behalf-of', 'x_on_behalf_of', 'x-mail', 'x_mail', 'x-tenant', 'authorization']) {
      expect(stripper.strips(name), name).toBe(true);
    }
  });

  it('strips the well-known identity, certificate and routing headers and whole families', () => {
    for (const name of [
      'x-ssl-client-s-dn', 'x-ssl-client-verify', 'x-forwarded-client-cert', 'x-client-cert', 'ssl-client-cert', 'x-original-url', 'x-rewrite-url',
      'x-forwarded-uri', 'x-forwarded-prefix', 'x-forwarded-path', 'x-forwarded-port', 'x-forwarded-server', 'x-forwarded-user', 'x-forwarded-for',
      'forwarded', 'x-real-ip', 'remote-user', 'x-auth-request-email', 'x-amzn-oidc-data', 'x-ms-client-principal-name', 'x-portcullis-anything',
    ]) {
      expect(stripper.strips(name), name).toBe(true);
    }
  });

  it('keeps ordinary headers', () => {
    for (const name of ['accept', 'content-type', 'user-agent', 'x-request-id', 'x-custom', 'cookie']) expect(stripper.strips(name), name).toBe(false);
  });

  it('drops what the client names in Connection, normalised, but not the connection options', () => {
    const named = stripper.namedInConnection('close, X_Custom, keep-alive, Upgrade');
    expect([...named!].sort()).toEqual(['connection', 'x-custom']);
    expect(stripper.drops('x-custom', named)).toBe(true);
    expect(stripper.drops('upgrade', named)).toBe(false);
    expect(stripper.namedInConnection(undefined)).toBeUndefined();
  });
});
