import { describe, expect, it } from 'vitest';
import { checkContractClaims } from '../../../engine-client/token/contract-claims.js';
import { mapIdentity } from '../../../engine-client/identity/index.js';

const base = { iss: 'gw', aud: 'admin-api', sub: 'carol', iat: 1, nbf: 1, exp: 2, jti: 'j', roles: ['user'] };

describe('approval claims', () => {
  it('a request sent after its approval names the approval and its approvers; identity exposes them', () => {
    const claims = checkContractClaims({ ...base, approval_id: 'abc', approved_by: ['bob', 'dave'] });
    const identity = mapIdentity(claims);
    expect(identity.userId).toBe('carol');
    expect(identity.approval).toEqual({ id: 'abc', approvedBy: ['bob', 'dave'] });
    expect(Object.isFrozen(identity.approval)).toBe(true);
  });

  it('an ordinary token has no approval', () => {
    expect(mapIdentity(checkContractClaims(base)).approval).toBeUndefined();
  });

  it.each([
    [{ approved_by: 'bob', approval_id: 'a' }, 'approved_by'],
    [{ approved_by: [], approval_id: 'a' }, 'approved_by'],
    [{ approved_by: [''], approval_id: 'a' }, 'approved_by'],
    [{ approved_by: ['bob'] }, 'approval_id'],
    [{ approval_id: 'a' }, 'approved_by'],
    [{ approved_by: ['bob'], approval_id: 7 }, 'approval_id'],
  ])('refuses %j (%s)', (extra, claim) => {
    expect(() => checkContractClaims({ ...base, ...extra })).toThrow(new RegExp(`claim ${claim}`));
  });
});
