import { describe, expect, it } from 'vitest';
import { AD_BIND_REASONS, AD_BIND_REASONS_LOGGED } from '../../../../gateway/authenticators/ldap/ad-bind-reasons.js';
import { LOGIN_REFUSALS } from '../../../../gateway/authenticators/login-refusal.js';

describe("Active Directory's bind reasons", () => {
  it.each([
    ['532', 'GW_PASSWORD_EXPIRED'],
    ['533', 'GW_ACCOUNT_DISABLED'],
    ['701', 'GW_ACCOUNT_EXPIRED'],
    ['773', 'GW_PASSWORD_MUST_CHANGE'],
    ['530', 'GW_ACCOUNT_RESTRICTED'],
    ['531', 'GW_ACCOUNT_RESTRICTED'],
  ])('data %s (given only for a right password) becomes %s, a page that says what to do', (reason, code) => {
    expect(AD_BIND_REASONS[reason]).toBe(code);
    expect(LOGIN_REFUSALS[code as keyof typeof LOGIN_REFUSALS]).toMatch(/\.$/);
  });

  it.each(['52e', '775', '525'])('data %s tells the user nothing (a wrong password to them)', (reason) => {
    expect(AD_BIND_REASONS[reason]).toBeUndefined();
  });

  it('a locked-out account is logged for the operator', () => {
    expect(AD_BIND_REASONS_LOGGED['775']).toMatch(/locked out/);
  });
});
