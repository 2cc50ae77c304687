import { GatewayError } from '../../errors.js';

/**
 * Coded errors of the LDAP authenticator. A wrong password or an unknown user is never an
 * error (verify answers null); these are for a directory that cannot be used.
 *
 * | code | status | when |
 * |---|---|---|
 * | GW_LDAP_UNAVAILABLE | 503 | no LDAP server answered (all down, timeouts); the log names them |
 * | GW_LDAP_SERVICE_BIND_FAILED | 502 | the service account (bindDn/bindPassword) was refused |
 * | GW_LDAP_DIRECTORY_ERROR | 502 | the directory answered an unexpected error (bad search base, ...) |
 * | GW_LDAP_CONFIG_INVALID | 500 | at start-up: a file or secret of the configuration cannot be read |
 */
export const LDAP_ERROR_CODES = {
  GW_LDAP_UNAVAILABLE: 503,
  GW_LDAP_SERVICE_BIND_FAILED: 502,
  GW_LDAP_DIRECTORY_ERROR: 502,
  GW_LDAP_CONFIG_INVALID: 500,
} as const;

export type LdapErrorCode = keyof typeof LDAP_ERROR_CODES;

export class LdapAuthenticatorError extends GatewayError {
  constructor(code: LdapErrorCode, message: string, cause?: unknown) {
    super(code, LDAP_ERROR_CODES[code], message, {
      cause,
      headers: code === 'GW_LDAP_UNAVAILABLE' ? { 'retry-after': '5' } : undefined,
    });
    this.name = 'LdapAuthenticatorError';
  }
}
