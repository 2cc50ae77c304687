/**
 * One spelling per account for lockouts: directories match logins loosely (LDAP's
 * caseIgnoreMatch folds case and ignores insignificant spaces; fullwidth `ｄave` may
 * reach the same entry), so counting the spelling typed would let `ｄave` or `dave ` in
 * after `dave` was locked. NFKC folds compatibility forms (fullwidth, ligatures), the
 * upper-then-lower round trip approximates full Unicode case folding (`ß` → `ss`), and
 * whitespace is trimmed and collapsed.
 */
export function canonicalLogin(login: string): string {
  return login.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').replace(/\s+/gu, ' ').trim();
}
