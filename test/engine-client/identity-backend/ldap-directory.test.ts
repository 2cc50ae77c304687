/**
 * Group resolution over a fake session (a unit test of one module): the AD in-chain filter
 * that OpenLDAP cannot run, and the recursive walk's bounds on a directory with a cycle.
 * The real-directory behaviour is covered against slapd in test/integration/.
 */
import { ExtensibleFilter, FilterParser } from 'ldapts';
import { describe, expect, it } from 'vitest';
import type { LdapEntry, LdapSearch, LdapSession } from '../../../engine-client/identity-backend/ldap-connection.js';
import { resolveGroups, type LdapDirectorySettings } from '../../../engine-client/identity-backend/ldap-directory.js';

const settings = (groups: Partial<LdapDirectorySettings['groups']>): LdapDirectorySettings => ({
  searchBase: 'dc=ex',
  searchScope: 'sub',
  userFilter: '(uid={login})',
  loginAttribute: 'uid',
  attributes: {},
  groups: {
    source: 'search',
    attribute: 'memberOf',
    filter: '(member={dn})',
    nameAttribute: 'cn',
    nested: 'off',
    adNestedFilter: '(&(objectClass=group)(member:1.2.840.113556.1.4.1941:={dn}))',
    maxDepth: 5,
    maxGroups: 500,
    ...groups,
  },
});

/** Groups as `member` edges: child DN → parent group DNs. Answers `(member=X)` and OR-ed forms. */
function fakeDirectory(parents: Record<string, string[]>) {
  const searches: string[] = [];
  const session: LdapSession = {
    bind: async () => true,
    bindOutcome: async () => ({ ok: true }),
    close: async () => undefined,
    async search(_base: string, s: LdapSearch): Promise<LdapEntry[]> {
      searches.push(s.filter);
      const members = [...s.filter.matchAll(/member(?::[\d.]+:)?=([^)]*)\)/g)].map((m) => m[1]!.replace(/\\2c/gi, ','));
      const out = new Map<string, LdapEntry>();
      for (const m of members) for (const g of parents[m] ?? []) out.set(g, { dn: g, attributes: { cn: [g.split(',')[0]!.slice(3)] } });
      return [...out.values()];
    },
  };
  return { session, searches };
}

const user: LdapEntry = { dn: 'uid=ada,ou=people,dc=ex', attributes: {} };

describe('resolveGroups', () => {
  it('nested: ad asks once with the in-chain matching rule on the escaped user DN', async () => {
    const { session, searches } = fakeDirectory({});
    await resolveGroups(session, settings({ nested: 'ad' }), { dn: 'cn=O\\2C Brien (x)*,dc=ex', attributes: {} }, 'x');
    expect(searches).toEqual(['(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=cn=O\\5c2C Brien \\28x\\29\\2a,dc=ex))']);
    const parsed = FilterParser.parseString(searches[0]!) as unknown as { filters: unknown[] };
    const chain = parsed.filters[1] as ExtensibleFilter;
    expect(chain).toBeInstanceOf(ExtensibleFilter);
    expect(chain.rule).toBe('1.2.840.113556.1.4.1941');
    expect(chain.value).toBe('cn=O\\2C Brien (x)*,dc=ex');
  });

  it('recursive: walks up level by level, stops on a cycle, respects maxDepth and maxGroups', async () => {
    const dir = {
      'uid=ada,ou=people,dc=ex': ['cn=a,dc=ex'],
      'cn=a,dc=ex': ['cn=b,dc=ex'],
      'cn=b,dc=ex': ['cn=c,dc=ex', 'cn=a,dc=ex'], // cycle back to a
      'cn=c,dc=ex': ['cn=d,dc=ex'],
    };
    const all = fakeDirectory(dir);
    expect(await resolveGroups(all.session, settings({ nested: 'recursive' }), user, 'ada')).toEqual(['a', 'b', 'c', 'd']);
    expect(all.searches.length).toBeLessThanOrEqual(5);
    const shallow = fakeDirectory(dir);
    expect(await resolveGroups(shallow.session, settings({ nested: 'recursive', maxDepth: 1 }), user, 'ada')).toEqual(['a', 'b']);
    const few = fakeDirectory(dir);
    expect(await resolveGroups(few.session, settings({ nested: 'recursive', maxGroups: 3 }), user, 'ada')).toEqual(['a', 'b', 'c']);
  });

  it('attribute source takes names from the group DNs without a search', async () => {
    const { session, searches } = fakeDirectory({});
    const u: LdapEntry = { dn: user.dn, attributes: { memberof: ['cn=Ops\\2C Night,ou=g,dc=ex', 'CN=admins,ou=g,dc=ex'] } };
    expect(await resolveGroups(session, settings({ source: 'attribute' }), u, 'ada')).toEqual(['Ops, Night', 'admins']);
    expect(searches).toEqual([]);
  });
});
