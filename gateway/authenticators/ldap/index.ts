export { createLdapAuthenticator, type LdapAuthenticator } from './ldap-authenticator.js';
export { LdapAuthenticatorError, LDAP_ERROR_CODES, type LdapErrorCode } from './errors.js';
