/**
 * portcullis/engine-client: everything an engine needs to trust the gateway's token and know
 * its caller, and nothing more (no gateway, LDAP, SAML or Redis code is loaded by importing
 * it; test/engine-client/isolation.test.ts checks that).
 *
 * Exports are grouped by module; append a group for a new module rather than editing others.
 */

// --- errors -------------------------------------------------------------------------------
export {
  EngineClientError,
  TokenError,
  RoleRequiredError,
  JwksError,
  OptionsError,
  DevModeError,
  IdentityRequiredError,
  ERROR_CODES,
  bearerChallenge,
  isEngineClientError,
} from './errors.js';
export type { EngineClientErrorCode, TokenErrorCode } from './errors.js';

// --- token: the contract ------------------------------------------------------------------
export {
  IDENTITY_ATTRIBUTES,
  DEFAULT_CLAIM_NAMES,
  ASYMMETRIC_ALGORITHMS,
  claimNamesWith,
} from './token/claims.js';
export type {
  AuthLevel,
  AuthMethod,
  IdentityAttribute,
  ActorClaim,
  PortcullisTokenClaims,
  TokenAlgorithm,
} from './token/claims.js';

// --- token: verification ------------------------------------------------------------------
export { verifyToken, createTokenVerifier, TokenVerifier } from './token/verify.js';
export type { VerifiedToken, VerifierStats } from './token/verify.js';
export { VERIFY_DEFAULTS, resolveVerifyOptions } from './token/options.js';
export type {
  VerifyOptions,
  ResolvedVerifyOptions,
  JwksFetchOptions,
  VerifyCacheOptions,
  EngineClientWarning,
  TrustSource,
} from './token/options.js';
export { jwkThumbprint } from './token/trusted-keys.js';
export { requireAudience } from './token/audience.js';
export type { TrustedKeyInput, TrustedKeyFile, PublicJwkSet } from './token/trusted-keys.js';

// --- token: development mode --------------------------------------------------------------
export {
  loadDevKey,
  mintDevToken,
  assertNotProduction,
  DEV_KEY_DEFAULTS,
  DEV_KEY_FILES,
  DEV_MODE_WARNING_CODE,
} from './token/dev-key.js';
export type { DevKey, DevKeyOptions, DevTokenRequest } from './token/dev-key.js';

// --- identity -----------------------------------------------------------------------------
export { mapIdentity } from './identity/map.js';
export { mapRoles, hasAnyRole, hasAllRoles } from './identity/roles.js';
export { IDENTITY_DEFAULTS, resolveIdentityMapping } from './identity/options.js';
export type { IdentityMappingOptions, ResolvedIdentityMapping } from './identity/options.js';
export type { Identity } from './identity/types.js';

// --- the request path: plain node:http, express middleware, fastify plugin -----------------
export { createRequestAuthenticator, readToken, sendError, errorBody, REQUEST_DEFAULTS } from './http.js';
export type { RequestAuthenticator, RequestAuthenticatorOptions, RequestWithHeaders, ErrorBody } from './http.js';
export { engineClientMiddleware, requireRolesMiddleware } from './express.js';
export type { ExpressMiddlewareOptions, EngineClientMiddleware, Middleware, NextFunction, RequestWithIdentity } from './express.js';
export { engineClient, requireRoles, PLUGIN_DEFAULTS } from './plugin.js';
export type { EngineClientOptions, EngineClientRouteConfig, EngineClientDecoration } from './plugin.js';

// --- other modules (client-ip, pool, obo, authorization, ...) append their groups below ---

// --- authorization: policy decisions for engines (authorize, 403 preHandler, REST endpoints) --
export { createAuthorizer, authorize, subjectOf } from './authorization/index.js';
export type { Authorizer, AuthorizationIdentity } from './authorization/index.js';
export {
  AuthorizationError,
  AuthorizationDeniedError,
  AuthorizationUnauthenticatedError,
  AuthorizationOptionsError,
} from './authorization/errors.js';
export { authorizationPlugin, requireOperation } from './authorization/fastify.js';
export type { AuthorizationPluginOptions } from './authorization/fastify.js';

// --- endpoint pool: round-robin, sticky, failover over identity-backend endpoints ---------
export { EndpointPool, createEndpointPool, POOL_DEFAULTS, PoolError, PoolOptionsError, AllEndpointsDownError, EndpointUnreachableError, isConnectionFailure } from './pool/index.js';
export type { EndpointPoolOptions, EndpointSpec, EndpointState, PoolEvent, RunOptions, DownEndpoint } from './pool/index.js';

// --- identity backends: cached HTTP and LDAP lookups through the pool (ldapts loaded lazily) --
export {
  createHttpIdentityBackend,
  createLdapIdentityBackend,
  IdentityBackendError,
  IDENTITY_BACKEND_ERROR_CODES,
  IDENTITY_BACKEND_DEFAULTS,
} from './identity-backend/index.js';
export type {
  HttpIdentityBackendOptions,
  HttpBackendAuth,
  LdapIdentityBackendOptions,
  IdentityBackend,
  IdentityRecord,
  CallerCredentials,
  CallOptions,
  CacheOptions as IdentityBackendCacheOptions,
  CacheStats as IdentityBackendCacheStats,
  IdentityBackendErrorCode,
} from './identity-backend/index.js';

// --- access: client address, IP allow list, REST guard, technical users, on-behalf-of -----
export {
  AccessError,
  AccessOptionError,
  IpDeniedError,
  UnauthenticatedError,
  RoleMissingError,
  RestDisabledError,
  CertificateRequiredError,
  CertificateUntrustedError,
  TechnicalUserUnknownError,
  TechnicalUserRevokedError,
  OboNoSubjectError,
  DownstreamFailedError,
  DownstreamTimeoutError,
} from './access-errors.js';
export * from './client-ip/index.js';
export * from './ip-allow-list/index.js';
export * from './rest-guard/index.js';
export * from './technical-users/index.js';
export * from './obo/index.js';
