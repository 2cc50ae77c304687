/** Properties of role mapping that hold for any token roles and any mapping. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveIdentityMapping } from '../../../engine-client/identity/options.js';
import { mapRoles } from '../../../engine-client/identity/roles.js';

const role = fc.stringMatching(/^[a-z.]{1,8}$/);
const mappingArb = fc.record({
  rolePrefix: fc.option(fc.constantFrom('app.', 'x.', 'a'), { nil: undefined }),
  keepRolePrefix: fc.boolean(),
  roleMap: fc.dictionary(role, fc.array(role, { maxLength: 3 }), { maxKeys: 4 }),
  unmappedRoles: fc.constantFrom('keep' as const, 'drop' as const),
  staticRoles: fc.array(role, { maxLength: 3 }),
  rolesFromToken: fc.boolean(),
});

describe('mapRoles properties', () => {
  it('no duplicates; static roles always present; every other role comes from the map or a kept token role', () => {
    fc.assert(
      fc.property(fc.array(role, { maxLength: 8 }), mappingArb, (tokenRoles, raw) => {
        const mapping = resolveIdentityMapping({ ...raw, keepRolePrefix: raw.rolePrefix === undefined ? undefined : raw.keepRolePrefix });
        const out = mapRoles(tokenRoles, mapping);
        expect(new Set(out).size).toBe(out.length);
        for (const r of mapping.staticRoles) expect(out).toContain(r);
        const mapped = new Set(Object.values(mapping.roleMap).flat());
        const selected = tokenRoles
          .filter((t) => mapping.rolePrefix === undefined || t.startsWith(mapping.rolePrefix))
          .map((t) => (mapping.rolePrefix !== undefined && !mapping.keepRolePrefix ? t.slice(mapping.rolePrefix.length) : t));
        for (const r of out) {
          if (mapping.staticRoles.includes(r)) continue;
          expect(mapping.rolesFromToken).toBe(true);
          const fromMap = mapped.has(r);
          const keptAsIs = mapping.unmappedRoles === 'keep' && selected.includes(r) && !Object.hasOwn(mapping.roleMap, r);
          expect(fromMap || keptAsIs).toBe(true);
        }
        // a token role without the prefix never reaches the application unmapped
        if (mapping.rolePrefix !== undefined && mapping.unmappedRoles === 'drop') {
          for (const r of out) expect(mapping.staticRoles.includes(r) || mapped.has(r)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
