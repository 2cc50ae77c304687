import type { LoginRefusalCode } from '../login-refusal.js';

/**
 * Active Directory's reasons for a refused bind (the `data` sub-code of result 49) that the
 * gateway may tell the user. AD (and Samba's DC) give these only when the password was right,
 * so saying them reveals nothing to someone guessing. `52e` (wrong password or no such user)
 * and `775` (locked out) are not here: AD answers 775 whatever the password, so telling it
 * would confirm that the account exists; it is a wrong password to the user and a log line
 * for the operator.
 */
export const AD_BIND_REASONS: Readonly<Record<string, LoginRefusalCode>> = Object.freeze({
  '530': 'GW_ACCOUNT_RESTRICTED', // not permitted to log on at this time
  '531': 'GW_ACCOUNT_RESTRICTED', // not permitted to log on at this workstation
  '532': 'GW_PASSWORD_EXPIRED',
  '533': 'GW_ACCOUNT_DISABLED',
  '701': 'GW_ACCOUNT_EXPIRED',
  '773': 'GW_PASSWORD_MUST_CHANGE', // pwdLastSet = 0: "user must change password at next logon"
});

/** AD sub-codes worth a log line for the operator even though the user is told nothing. */
export const AD_BIND_REASONS_LOGGED: Readonly<Record<string, string>> = Object.freeze({
  '775': 'the account is locked out in the directory',
  '525': 'the directory has no such user',
});
