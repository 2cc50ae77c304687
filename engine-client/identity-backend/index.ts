/**
 * Identity backends: the HTTP (JSON) and LDAP flavours behind one interface, each through
 * the endpoint pool and a result cache. The LDAP flavour loads ldapts on its first call only.
 */
export { createHttpIdentityBackend } from './http-backend.js';
export type { HttpIdentityBackendOptions, HttpBackendAuth } from './http-backend.js';
export { createLdapIdentityBackend } from './ldap-backend.js';
export type { LdapIdentityBackendOptions } from './ldap-backend.js';
export { IdentityBackendError, IDENTITY_BACKEND_ERROR_CODES } from './errors.js';
export type { IdentityBackendErrorCode } from './errors.js';
export { ResultCache } from './result-cache.js';
export { IDENTITY_BACKEND_DEFAULTS } from './types.js';
export type { IdentityBackend, IdentityRecord, CallerCredentials, CallOptions, CacheOptions, CacheStats, PoolOptions } from './types.js';
export { escapeFilterValue, escapeDnValue, fillTemplate } from './ldap-escape.js';
