import { describe, expect, it } from 'vitest';
import { userMappingSchema, type UserMappingConfig } from '../../../../config/schema/user-mapping.js';
import { mapUser, rewriteLogin, type UserMappingModule } from '../../../../gateway/authenticators/user-mapping/map-user.js';
import type { AuthenticatedUser } from '../../../../gateway/authenticators/types.js';

const user = (over: Partial<AuthenticatedUser> = {}): AuthenticatedUser => ({
  loginId: 'alice',
  roles: ['user'],
  groups: ['staff'],
  attributes: { email: 'alice@example.test' },
  level: 'auth.weak',
  amr: ['pwd'],
  authenticator: 'local',
  ...over,
});
const config = (input: unknown): UserMappingConfig => userMappingSchema.parse(input);

describe('rewriteLogin', () => {
  it.each([
    ['CORP\\Alice', { stripDomain: true, lowerCase: true }, 'alice'],
    ['alice@corp.example', { stripDomain: true, lowerCase: false }, 'alice'],
    ['Alice', { stripDomain: false, lowerCase: true }, 'alice'],
    ['CORP\\alice', { stripDomain: false, lowerCase: false }, 'CORP\\alice'],
    ['@corp', { stripDomain: true, lowerCase: false }, '@corp'],
  ])('%s with %o becomes %s', (login, options, expected) => {
    expect(rewriteLogin(login, options)).toBe(expected);
  });
});

describe('mapUser', () => {
  it('applies every matching rule in order: rename, roles, groups, attributes', async () => {
    const outcome = await mapUser(
      user(),
      config({
        rules: [
          { match: { groups: ['staff'] }, addRoles: ['reader'], removeRoles: ['user'], addGroups: ['all'], setAttributes: { tier: 'staff' } },
          { match: { roles: ['reader'] }, rename: 'alice.liddell', removeAttributes: ['email'] },
          { match: { authenticators: ['other'] }, addRoles: ['never'] },
        ],
      }),
      undefined,
    );
    expect(outcome).toEqual({ user: { ...user(), loginId: 'alice.liddell', roles: ['reader'], groups: ['all', 'staff'], attributes: { tier: 'staff' } } });
  });

  it('a refusing rule refuses, naming the rule', async () => {
    const outcome = await mapUser(user({ loginId: 'svc-backup' }), config({ rules: [{ match: { loginPattern: 'svc-.*' }, refuse: true }] }), undefined);
    expect(outcome).toEqual({ refused: 'userMapping.rules[0] refuses the user' });
  });

  it('matches loginPattern against the whole login, not a part of it', async () => {
    const outcome = await mapUser(user({ loginId: 'not-svc-x' }), config({ rules: [{ match: { loginPattern: 'svc-.*' }, refuse: true }] }), undefined);
    expect(outcome).toHaveProperty('user.loginId', 'not-svc-x');
  });

  it('with requireMatch and no matching rule, maps to the fallback user and keeps the level', async () => {
    const outcome = await mapUser(
      user({ level: 'auth.strong' }),
      config({ requireMatch: true, rules: [{ match: { logins: ['bob'] }, addRoles: ['x'] }], fallbackUser: { loginId: 'guest', roles: ['guest'] } }),
      undefined,
    );
    expect(outcome).toEqual({ user: { ...user({ level: 'auth.strong' }), loginId: 'guest', roles: ['guest'], groups: [], attributes: { mappedFrom: 'alice' } } });
  });

  it('with requireMatch, no matching rule and no fallback user, refuses', async () => {
    expect(await mapUser(user(), config({ requireMatch: true }), undefined)).toEqual({ refused: 'no mapping rule matched and no fallbackUser is configured' });
  });

  it('a login that the rewriting empties is refused', async () => {
    expect(await mapUser(user({ loginId: 'CORP\\' }), config({ login: { stripDomain: true } }), undefined)).toHaveProperty('refused');
  });

  describe('module', () => {
    const run = (module: UserMappingModule, input: unknown = {}) => mapUser(user(), config({ fallbackUser: { loginId: 'guest' }, ...(input as object) }), module, '10.0.0.1');

    it('sees the user after the rules and the client address; its changes are merged', async () => {
      let seen: unknown;
      const outcome = await run(
        (u, info) => {
          seen = { roles: u.roles, info };
          return { roles: ['mapped'], attributes: { by: 'module' } };
        },
        { rules: [{ addRoles: ['ruled'] }] },
      );
      expect(seen).toEqual({ roles: ['user', 'ruled'], info: { authenticator: 'local', clientAddress: '10.0.0.1' } });
      expect(outcome).toEqual({ user: { ...user(), roles: ['mapped'], attributes: { by: 'module' } } });
    });

    it('null refuses', async () => {
      expect(await run(() => null)).toEqual({ refused: 'userMapping.module refused the user' });
    });

    it('{ fallback: true } gives the fallback user', async () => {
      expect(await run(() => ({ fallback: true }))).toHaveProperty('user.loginId', 'guest');
    });

    it('undefined keeps the user', async () => {
      expect(await run(() => undefined)).toEqual({ user: user() });
    });

    it('a malformed answer throws (the gateway turns that into a refusal)', async () => {
      await expect(run(() => ({ roles: 'admin' as unknown as string[] }))).rejects.toThrow(/roles/);
      await expect(run(() => ({ loginId: '' }))).rejects.toThrow(/loginId/);
    });

    it('cannot change the user it is shown', async () => {
      await expect(
        run((u) => {
          (u as AuthenticatedUser).loginId = 'root';
          return undefined;
        }),
      ).rejects.toThrow(TypeError);
    });
  });
});

describe('userMapping schema', () => {
  it('refuses an invalid loginPattern with its path', () => {
    const result = userMappingSchema.safeParse({ rules: [{ match: { loginPattern: '(' }, refuse: true }] });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['rules', 0, 'match', 'loginPattern']);
  });
  it('refuses unknown keys in a rule', () => {
    expect(userMappingSchema.safeParse({ rules: [{ addRole: ['x'] }] }).success).toBe(false);
  });
});
