import { describe, expect, it } from 'vitest';
import { decideRoutePolicy } from '../../policies/route-policy.js';
import { routePolicySchema } from '../../config/schema/routes.js';

const policy = (p: Record<string, unknown>) => routePolicySchema.parse(p);
const subject = (level: string, roles: string[] = ['user']) => ({ loginId: 'pat', roles, groups: [], level });

describe('route policy', () => {
  it('allows any logged-in user without allow entries; refuses a missing subject as unauthenticated', () => {
    expect(decideRoutePolicy(policy({}), subject('auth.weak')).allowed).toBe(true);
    expect(decideRoutePolicy(policy({}), undefined).reason.code).toBe('unauthenticated');
  });

  it('deny entries win over allow entries, by role, group and user', () => {
    const p = policy({ allowRoles: ['user'], denyUsers: ['pat'] });
    expect(decideRoutePolicy(p, subject('auth.weak')).reason.code).toBe('forbidden');
    expect(decideRoutePolicy(policy({ allowGroups: ['ops'] }), { ...subject('auth.weak'), groups: ['ops'] }).allowed).toBe(true);
    expect(decideRoutePolicy(policy({ allowRoles: ['admin'] }), subject('auth.weak')).reason.code).toBe('forbidden');
  });

  it('requireLevel auth.strong refuses a password session with level-insufficient and names the step-up authenticator', () => {
    const p = policy({ requireLevel: 'auth.strong', stepUp: 'corporate-idp' });
    const weak = decideRoutePolicy(p, subject('auth.weak'));
    expect(weak.allowed).toBe(false);
    expect(weak.reason.code).toBe('level-insufficient');
    expect(weak.reason.detail).toMatchObject({ requiredLevel: 'auth.strong', level: 'auth.weak', stepUp: 'corporate-idp' });
    expect(decideRoutePolicy(p, subject('auth.strong')).allowed).toBe(true);
    expect(decideRoutePolicy(p, { loginId: 'x', roles: [], groups: [] }).reason.code).toBe('level-insufficient');
  });

  it('a user the route refuses anyway is not sent to a stronger login', () => {
    const p = policy({ requireLevel: 'auth.strong', stepUp: 'idp', allowRoles: ['admin'] });
    expect(decideRoutePolicy(p, subject('auth.weak')).reason.code).toBe('forbidden');
  });
});
