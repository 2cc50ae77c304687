/**
 * The LDAP connection and directory helpers the identity backend uses, for code that reads a
 * directory itself (the gateway's LDAP authenticator). Needs the optional peer `ldapts`,
 * which is imported on the first connection only.
 */
export { openLdap, isLdapResult } from './ldap-connection.js';
export type { LdapTlsMaterial, LdapConnectionOptions, LdapEntry, LdapSearch, LdapSession } from './ldap-connection.js';
export {
  userAttributes,
  findUser,
  userDnFor,
  readEntry,
  firstValue,
  identityAttributes,
  firstRdnValue,
  resolveGroups,
  groupMembers,
} from './ldap-directory.js';
export type { LdapGroupSettings, LdapDirectorySettings, UserLookup } from './ldap-directory.js';
