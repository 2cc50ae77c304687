/**
 * Application roles from token roles, in three steps (the order is part of the contract
 * of the options, see README):
 *   1. prefix: with `rolePrefix`, only token roles starting with it are kept, and the
 *      prefix is stripped unless `keepRolePrefix`;
 *   2. map: a role named in `roleMap` becomes its application role(s); one it does not name
 *      is kept as is (`unmappedRoles: 'keep'`) or dropped (`'drop'`);
 *   3. static: `staticRoles` are added for every verified user.
 * The result has no duplicates and keeps first-seen order.
 */
import type { ResolvedIdentityMapping } from './options.js';

export function mapRoles(tokenRoles: readonly string[], mapping: ResolvedIdentityMapping): string[] {
  const out = new Set<string>();
  if (mapping.rolesFromToken) {
    for (const tokenRole of tokenRoles) {
      let role = tokenRole;
      if (mapping.rolePrefix !== undefined) {
        if (!tokenRole.startsWith(mapping.rolePrefix)) continue;
        if (!mapping.keepRolePrefix) role = tokenRole.slice(mapping.rolePrefix.length);
        if (role === '') continue;
      }
      const mapped = Object.hasOwn(mapping.roleMap, role) ? mapping.roleMap[role] : undefined;
      if (mapped) for (const appRole of mapped) out.add(appRole);
      else if (mapping.unmappedRoles === 'keep') out.add(role);
    }
  }
  for (const role of mapping.staticRoles) out.add(role);
  return [...out];
}

/** True when the identity has at least one of `roles`. */
export function hasAnyRole(identity: { roles: readonly string[] } | null | undefined, roles: readonly string[]): boolean {
  if (!identity) return false;
  return roles.some((role) => identity.roles.includes(role));
}

/** True when the identity has every one of `roles`. */
export function hasAllRoles(identity: { roles: readonly string[] } | null | undefined, roles: readonly string[]): boolean {
  if (!identity) return false;
  return roles.every((role) => identity.roles.includes(role));
}
