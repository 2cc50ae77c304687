/**
 * Property: whatever a user types, once escaped it is one literal value. ldapts' own filter
 * parser (the code that turns our string into the BER the server sees) reads the user filter
 * back as the same structure with exactly the typed value, and a DN value parses back whole.
 */
import fc from 'fast-check';
import { AndFilter, EqualityFilter, FilterParser } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { escapeDnValue, escapeFilterValue, fillTemplate } from '../../../engine-client/identity-backend/ldap-escape.js';
import { firstRdnValue } from '../../../engine-client/identity-backend/ldap-directory.js';

// ASCII with every filter and DN special in it, plus NUL; ldapts decodes \XX escapes byte-wise,
// so the round trip is checked over single-byte characters (non-ASCII is passed unescaped)
const hostile = fc.string({ unit: fc.constantFrom(...'ab*()\\\u0000=,+;<>"# \'|&!:~'.split('')), maxLength: 24 });

describe('escaping is injection-proof (property)', () => {
  it('the user filter always parses to (&(objectClass=person)(uid=<exactly the login>))', () => {
    fc.assert(
      fc.property(hostile, (login) => {
        const filter = FilterParser.parseString(fillTemplate('(&(objectClass=person)(uid={login}))', { login }, escapeFilterValue));
        expect(filter).toBeInstanceOf(AndFilter);
        const parts = (filter as AndFilter).filters;
        expect(parts).toHaveLength(2);
        expect(parts[1]).toBeInstanceOf(EqualityFilter);
        expect((parts[1] as EqualityFilter).attribute).toBe('uid');
        expect((parts[1] as EqualityFilter).value).toBe(login);
      }),
      { numRuns: 500 },
    );
  });

  it('an escaped DN value is read back as one whole RDN value', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (value) => {
        expect(firstRdnValue(`uid=${escapeDnValue(value)},ou=people,dc=example,dc=org`)?.value).toBe(value);
      }),
      { numRuns: 500 },
    );
  });
});
