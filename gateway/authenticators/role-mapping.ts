import type { RoleMapping } from '@portcullis/config/schema/common.js';

/**
 * Turn what a source calls its roles or groups (file roles, LDAP groups, SAML attribute
 * values) into gateway roles. One rule set for every authenticator:
 * mapped names become their targets, unmapped names stay only when `keepUnmapped` is on,
 * and `defaultRoles` are added for everyone. The result is sorted and has no duplicates.
 */
export function applyRoleMapping(sourceNames: readonly string[], mapping: RoleMapping): string[] {
  const roles = new Set<string>(mapping.defaultRoles);
  for (const name of sourceNames) {
    const target = Object.hasOwn(mapping.map, name) ? mapping.map[name] : undefined;
    if (target === undefined) {
      if (mapping.keepUnmapped) roles.add(name);
    } else {
      for (const role of Array.isArray(target) ? target : [target]) roles.add(role);
    }
  }
  return [...roles].sort();
}
