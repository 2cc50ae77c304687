import { describe, expect, it } from 'vitest';
import { escapeDnValue, escapeFilterValue, fillTemplate } from '../../../engine-client/identity-backend/ldap-escape.js';
import { firstRdnValue } from '../../../engine-client/identity-backend/ldap-directory.js';

describe('RFC 4515 filter value escaping', () => {
  it.each([
    ['*', '\\2a'],
    ['*)(uid=*', '\\2a\\29\\28uid=\\2a'],
    ['a\\b', 'a\\5cb'],
    ['nul\u0000', 'nul\\00'],
    ['(x)', '\\28x\\29'],
    ['Renée', 'Renée'],
    ["o'brien", "o'brien"],
  ])('%j → %j', (input, expected) => {
    expect(escapeFilterValue(input)).toBe(expected);
  });
});

describe('RFC 4514 DN value escaping', () => {
  it.each([
    ['ada', 'ada'],
    ['a,b', 'a\\,b'],
    ['a+b', 'a\\+b'],
    ['x=y', 'x\\=y'],
    ['"q"', '\\"q\\"'],
    ['<a>;', '\\<a\\>\\;'],
    ['back\\slash', 'back\\\\slash'],
    ['#lead', '\\#lead'],
    [' lead', '\\ lead'],
    ['trail ', 'trail\\ '],
    [' ', '\\ '],
    ['nul\u0000', 'nul\\00'],
    ['mid # dle', 'mid # dle'],
  ])('%j → %j', (input, expected) => {
    expect(escapeDnValue(input)).toBe(expected);
  });

  it('round-trips through the RDN parser', () => {
    for (const v of ['a,b', 'a+b=c', '#x ', 'Renée O\'Brien, Jr.', 'back\\slash', ' both ']) {
      expect(firstRdnValue(`cn=${escapeDnValue(v)},ou=x`)?.value).toBe(v);
    }
    expect(firstRdnValue('uid=o\'brien*(x)\\5Cy,ou=people')?.value).toBe("o'brien*(x)\\y");
    expect(firstRdnValue('cn=Ren\\C3\\A9e,ou=x')?.value).toBe('Renée');
  });
});

describe('fillTemplate', () => {
  it('fills each placeholder once and never re-reads a value as a placeholder', () => {
    expect(fillTemplate('(&(uid={login})(x={dn}))', { login: '{dn}*', dn: 'cn=a' }, escapeFilterValue)).toBe('(&(uid={dn}\\2a)(x=cn=a))');
    expect(fillTemplate('(uid={login})(m={other})', { login: 'a' }, escapeFilterValue)).toBe('(uid=a)(m={other})');
  });
});
