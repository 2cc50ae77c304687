/** The token contract and its verification: claims, verifier, trusted keys, development keys. */
export { IDENTITY_ATTRIBUTES, DEFAULT_CLAIM_NAMES, ASYMMETRIC_ALGORITHMS, TOKEN_TYPE, claimNamesWith } from './claims.js';
export type { AuthLevel, AuthMethod, IdentityAttribute, ActorClaim, PortcullisTokenClaims, TokenAlgorithm } from './claims.js';
export { verifyToken, createTokenVerifier, TokenVerifier } from './verify.js';
export type { VerifiedToken, VerifierStats } from './verify.js';
export { VERIFY_DEFAULTS, resolveVerifyOptions } from './options.js';
export type { VerifyOptions, ResolvedVerifyOptions, JwksFetchOptions, VerifyCacheOptions, EngineClientWarning, TrustSource } from './options.js';
export { jwkThumbprint } from './trusted-keys.js';
export type { TrustedKeyInput, TrustedKeyFile, PublicJwkSet } from './trusted-keys.js';
export { loadDevKey, mintDevToken, assertNotProduction, DEV_KEY_DEFAULTS, DEV_KEY_FILES, DEV_MODE_WARNING_CODE } from './dev-key.js';
export type { DevKey, DevKeyOptions, DevTokenRequest } from './dev-key.js';
