/**
 * Verified claims → Identity, with the engine's mapping (user id claim, roles, attribute
 * claim names). Pure: no I/O, no clock; the token was verified before.
 */
import { TokenError } from '../errors.js';
import { IDENTITY_ATTRIBUTES, type IdentityAttribute, type PortcullisTokenClaims } from '../token/claims.js';
import { resolveIdentityMapping, type IdentityMappingOptions, type ResolvedIdentityMapping } from './options.js';
import { mapRoles } from './roles.js';
import type { Identity } from './types.js';

function attributesOf(claims: PortcullisTokenClaims, names: Readonly<Record<IdentityAttribute, string>>): Partial<Record<IdentityAttribute, string>> {
  const attributes: Partial<Record<IdentityAttribute, string>> = {};
  for (const attribute of IDENTITY_ATTRIBUTES) {
    const value = claims[names[attribute]];
    if (typeof value === 'string' && value !== '') attributes[attribute] = value;
  }
  return attributes;
}

/**
 * Build the caller's identity. Throws TOKEN_CLAIM_INVALID (401) when the configured user id
 * claim is absent or not a non-empty string: a token without a user is not a login.
 * `mapping` may be raw options (validated here) or the result of resolveIdentityMapping.
 */
export function mapIdentity(claims: PortcullisTokenClaims, mapping: IdentityMappingOptions | ResolvedIdentityMapping = {}, token = ''): Identity {
  const m = resolveIdentityMapping(mapping);
  const userId = claims[m.userIdClaim];
  if (typeof userId !== 'string' || userId === '') {
    throw new TokenError('TOKEN_CLAIM_INVALID', `claim ${m.userIdClaim} missing`);
  }
  const tokenRoles = Object.freeze([...claims.roles]);
  const identity = {
    userId,
    roles: Object.freeze(mapRoles(tokenRoles, m)),
    tokenRoles,
    groups: Object.freeze([...(claims.groups ?? [])]),
    attributes: Object.freeze(attributesOf(claims, m.claimNames)),
    level: claims.acr ?? 'auth.weak',
    amr: Object.freeze([...(claims.amr ?? [])]),
    ...(claims.act ? { act: claims.act } : {}),
    ...(claims.approval_id && claims.approved_by ? { approval: Object.freeze({ id: claims.approval_id, approvedBy: Object.freeze([...claims.approved_by]) }) } : {}),
    claims,
  } as Identity;
  Object.defineProperty(identity, 'token', { value: token, enumerable: false });
  return Object.freeze(identity);
}
