import { describe, expect, it } from 'vitest';
import { identityHeaderNames, identityHeadersFilter } from '../../../filters/builtin/identity-headers.js';
import { ipAllowListFilter } from '../../../filters/builtin/ip-allow-list.js';
import type { FilterContext, FilterSubject } from '../../../filters/types.js';

const subject: FilterSubject = {
  loginId: 'zoë',
  roles: ['user', 'admin'],
  groups: [],
  level: 'auth.weak',
  attributes: { email: 'zoe@example.test', firstName: '' },
  amr: ['pwd'],
  authenticator: 'local',
};
function ctx(over: Partial<FilterContext> = {}): FilterContext {
  return {
    request: {} as never,
    route: { name: 'r', prefix: '/r/', audience: 'r', requireSession: true, policy: {} as never },
    subject,
    clientAddress: '127.0.0.1',
    upstreamHeaders: {},
    removeHeaders: new Set(),
    state: new Map(),
    ...over,
  };
}

describe('identity-headers filter', () => {
  it('fills templates from the caller and removes client copies', () => {
    const f = identityHeadersFilter({ headers: { 'X-User': '${user.loginId}', 'X-Roles': 'roles=${user.roles}', 'X-Mail': '${user.email}', 'X-First': '${user.firstName}' } });
    const c = ctx();
    f.run(c);
    expect(c.upstreamHeaders).toEqual({ 'x-user': 'zo%C3%AB', 'x-roles': 'roles=user,admin', 'x-mail': 'zoe@example.test' });
    expect([...c.removeHeaders].sort()).toEqual(['x-first', 'x-mail', 'x-roles', 'x-user']);
  });

  it('without a caller only removes', () => {
    const f = identityHeadersFilter({ headers: { 'X-User': '${user.loginId}' } });
    const c = ctx({ subject: undefined });
    f.run(c);
    expect(c.upstreamHeaders).toEqual({});
    expect(c.removeHeaders.has('x-user')).toBe(true);
  });

  it('refuses bad options at start-up', () => {
    expect(() => identityHeadersFilter({})).toThrow(expect.objectContaining({ code: 'FILTER_OPTIONS_INVALID', path: 'options.headers' }));
    expect(() => identityHeadersFilter({ headers: { 'Bad Header': 'x' } })).toThrow(expect.objectContaining({ path: 'options.headers.Bad Header' }));
    expect(() => identityHeadersFilter({ headers: { 'X-A': '${env.SECRET}' } })).toThrow(expect.objectContaining({ code: 'FILTER_OPTIONS_INVALID' }));
    expect(() => identityHeadersFilter({ headers: { 'X-A': 'a' }, extra: 1 })).toThrow(expect.objectContaining({ path: 'options.extra' }));
  });

  it('collects the names to strip from every configured filter', () => {
    expect(identityHeaderNames([{ use: 'identity-headers', options: { headers: { 'X-User': '' } } }, { use: 'other', options: { headers: { 'X-No': '' } } }])).toEqual(['x-user']);
  });
});

describe('ip-allow-list filter', () => {
  it('refuses addresses off the list with reason ip-denied, before the session check', () => {
    const f = ipAllowListFilter({ allow: ['192.0.2.0/24'] });
    expect(f.phase).toBe('access');
    expect(f.priority).toBeLessThan(100);
    expect(f.run(ctx({ clientAddress: '192.0.2.9' }))).toBeUndefined();
    expect(f.run(ctx({ clientAddress: '198.51.100.1' }))).toMatchObject({ refuse: { code: 'ip-denied', detail: { clientAddress: '198.51.100.1' } } });
    expect(f.run(ctx({ clientAddress: 'unknown' }))).toMatchObject({ refuse: { code: 'ip-denied' } });
  });

  it('with no list allows only loopback', () => {
    const f = ipAllowListFilter({});
    expect(f.run(ctx({ clientAddress: '::1' }))).toBeUndefined();
    expect(f.run(ctx({ clientAddress: '10.0.0.1' }))).toMatchObject({ refuse: { code: 'ip-denied' } });
  });

  it('refuses bad entries at start-up with the option path', () => {
    expect(() => ipAllowListFilter({ allow: ['10.0.0.0/8', 'nope'] })).toThrow(expect.objectContaining({ code: 'FILTER_OPTIONS_INVALID', path: 'options.allow[1]' }));
    expect(() => ipAllowListFilter({ allow: 'x' })).toThrow(expect.objectContaining({ path: 'options.allow' }));
  });
});
