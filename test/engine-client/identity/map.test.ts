import { describe, expect, it } from 'vitest';
import { OptionsError, TokenError } from '../../../engine-client/errors.js';
import { mapIdentity } from '../../../engine-client/identity/map.js';
import { IDENTITY_DEFAULTS, resolveIdentityMapping, type IdentityMappingOptions } from '../../../engine-client/identity/options.js';
import { hasAllRoles, hasAnyRole, mapRoles } from '../../../engine-client/identity/roles.js';
import type { PortcullisTokenClaims } from '../../../engine-client/token/claims.js';

function claims(extra: Partial<PortcullisTokenClaims> = {}): PortcullisTokenClaims {
  return Object.freeze({
    iss: 'https://gw',
    aud: 'engine',
    sub: 'u-123',
    iat: 1,
    nbf: 1,
    exp: 2,
    jti: 'j',
    roles: ['user', 'workflow.admin', 'workflow.viewer', 'billing.admin'],
    groups: ['staff'],
    acr: 'auth.strong',
    amr: ['mtls'],
    loginId: 'alice',
    firstName: 'Alice',
    email: 'alice@example.test',
    ...extra,
  }) as PortcullisTokenClaims;
}

const roles = (options: IdentityMappingOptions, tokenRoles = claims().roles) => mapRoles(tokenRoles, resolveIdentityMapping(options));

describe('mapIdentity', () => {
  it('with defaults: user id from sub, token roles as they are, attributes, level, amr', () => {
    const identity = mapIdentity(claims(), {}, 'the.token.value');
    expect(identity.userId).toBe('u-123');
    expect(identity.roles).toEqual(['user', 'workflow.admin', 'workflow.viewer', 'billing.admin']);
    expect(identity.tokenRoles).toEqual(identity.roles);
    expect(identity.groups).toEqual(['staff']);
    expect(identity.attributes).toEqual({ loginId: 'alice', firstName: 'Alice', email: 'alice@example.test' });
    expect(identity.level).toBe('auth.strong');
    expect(identity.amr).toEqual(['mtls']);
    expect(identity.act).toBeUndefined();
    expect(identity.token).toBe('the.token.value');
    expect(Object.isFrozen(identity)).toBe(true);
    expect(Object.isFrozen(identity.roles)).toBe(true);
  });

  it('takes the user id from a configured claim (loginId)', () => {
    expect(mapIdentity(claims(), { userIdClaim: 'loginId' }).userId).toBe('alice');
  });

  it('refuses (401 TOKEN_CLAIM_INVALID) a token without the configured user id claim', () => {
    const err = (() => {
      try {
        mapIdentity(claims({ loginId: undefined }), { userIdClaim: 'loginId' });
      } catch (e) {
        return e as TokenError;
      }
    })();
    expect(err?.code).toBe('TOKEN_CLAIM_INVALID');
    expect(err?.statusCode).toBe(401);
    expect(() => mapIdentity(claims({ loginId: 42 }), { userIdClaim: 'loginId' })).toThrow(TokenError);
  });

  it('reads attributes under renamed claim names', () => {
    const identity = mapIdentity(claims({ mail: 'a@x.test', email: undefined }), { claimNames: { email: 'mail' } });
    expect(identity.attributes.email).toBe('a@x.test');
  });

  it('ignores non-string attribute claims', () => {
    expect(mapIdentity(claims({ country: 49 as unknown as string })).attributes).not.toHaveProperty('country');
  });

  it('never serializes the token (not enumerable), so /whoami and logs cannot leak it', () => {
    const identity = mapIdentity(claims(), {}, 'secret.token.here');
    expect(JSON.stringify(identity)).not.toContain('secret.token.here');
    expect(Object.keys(identity)).not.toContain('token');
  });

  it('carries act (delegation) when present', () => {
    expect(mapIdentity(claims({ act: { sub: 'svc-batch' } })).act).toEqual({ sub: 'svc-batch' });
  });
});

describe('role mapping', () => {
  it('keeps only roles with the application prefix, stripping it by default', () => {
    expect(roles({ rolePrefix: 'workflow.' })).toEqual(['admin', 'viewer']);
  });

  it('keeps the prefix when asked', () => {
    expect(roles({ rolePrefix: 'workflow.', keepRolePrefix: true })).toEqual(['workflow.admin', 'workflow.viewer']);
  });

  it('ignores a role that is only the prefix', () => {
    expect(roles({ rolePrefix: 'workflow.' }, ['workflow.', 'workflow.x'])).toEqual(['x']);
  });

  it('maps token roles to application roles (one to many), keeping unmapped ones by default', () => {
    expect(roles({ roleMap: { user: ['reader'], 'workflow.admin': ['wf-admin', 'reader'] } })).toEqual([
      'reader',
      'wf-admin',
      'workflow.viewer',
      'billing.admin',
    ]);
  });

  it('drops unmapped roles with unmappedRoles: drop (only mapped roles reach the app)', () => {
    expect(roles({ roleMap: { user: 'reader', 'billing.admin': [] }, unmappedRoles: 'drop' })).toEqual(['reader']);
  });

  it('applies the prefix first: map keys name the role after stripping', () => {
    expect(roles({ rolePrefix: 'workflow.', roleMap: { admin: ['administrator'] }, unmappedRoles: 'drop' })).toEqual(['administrator']);
  });

  it('adds static roles for every verified user, without duplicates', () => {
    expect(roles({ rolePrefix: 'workflow.', staticRoles: ['authenticated', 'admin'] })).toEqual(['admin', 'viewer', 'authenticated']);
  });

  it('ignores token roles entirely with rolesFromToken: false', () => {
    expect(roles({ rolesFromToken: false, staticRoles: ['guest'] })).toEqual(['guest']);
  });

  it('does not let a token role named like an Object member reach the map', () => {
    expect(roles({ roleMap: { user: 'reader' }, unmappedRoles: 'drop' }, ['__proto__', 'constructor', 'toString'])).toEqual([]);
  });

  it('hasAnyRole / hasAllRoles', () => {
    const identity = { roles: ['a', 'b'] };
    expect(hasAnyRole(identity, ['x', 'b'])).toBe(true);
    expect(hasAnyRole(identity, ['x'])).toBe(false);
    expect(hasAllRoles(identity, ['a', 'b'])).toBe(true);
    expect(hasAllRoles(identity, ['a', 'c'])).toBe(false);
    expect(hasAnyRole(null, ['a'])).toBe(false);
  });
});

describe('identity mapping options', () => {
  it('writes every default down and freezes the resolved mapping', () => {
    const m = resolveIdentityMapping();
    expect(m).toMatchObject({ userIdClaim: 'sub', rolesFromToken: true, keepRolePrefix: false, unmappedRoles: 'keep', staticRoles: [] });
    expect(m.rolePrefix).toBeUndefined();
    expect(m.claimNames.email).toBe('email');
    expect(Object.isFrozen(m)).toBe(true);
    expect(Object.keys(IDENTITY_DEFAULTS).sort()).toEqual(
      ['claimNames', 'keepRolePrefix', 'roleMap', 'rolePrefix', 'rolesFromToken', 'staticRoles', 'unmappedRoles', 'userIdClaim'].sort(),
    );
  });

  it.each([
    ['unknown key', { rolePrefx: 'x' }, 'identity.rolePrefx'],
    ['empty user id claim', { userIdClaim: '' }, 'identity.userIdClaim'],
    ['static roles not a list', { staticRoles: 'admin' }, 'identity.staticRoles'],
    ['static role empty', { staticRoles: ['ok', ''] }, 'identity.staticRoles[1]'],
    ['rolesFromToken not boolean', { rolesFromToken: 'yes' }, 'identity.rolesFromToken'],
    ['empty prefix', { rolePrefix: '' }, 'identity.rolePrefix'],
    ['keepRolePrefix without prefix', { keepRolePrefix: true }, 'identity.keepRolePrefix'],
    ['roleMap not an object', { roleMap: ['a'] }, 'identity.roleMap'],
    ['roleMap value a number', { roleMap: { admin: 5 } }, 'identity.roleMap.admin'],
    ['roleMap value with empty role', { roleMap: { admin: ['x', ''] } }, 'identity.roleMap.admin[1]'],
    ['unmappedRoles bad', { unmappedRoles: 'ignore' }, 'identity.unmappedRoles'],
    ['claimNames unknown attribute', { claimNames: { shoeSize: 'x' } }, 'identity.claimNames.shoeSize'],
    ['claimNames empty claim', { claimNames: { email: '' } }, 'identity.claimNames.email'],
  ])('%s → OPTIONS_INVALID at %s', (_name, options, path) => {
    let err: OptionsError | undefined;
    try {
      resolveIdentityMapping(options as IdentityMappingOptions);
    } catch (e) {
      err = e as OptionsError;
    }
    expect(err).toBeInstanceOf(OptionsError);
    expect(err!.code).toBe('OPTIONS_INVALID');
    expect(err!.path).toBe(path);
  });
});
