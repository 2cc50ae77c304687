import { z } from 'zod';
import { roleMappingSchema, secretRef, urlString } from './common.js';

/**
 * Defaults of the OIDC authenticator, written out once (the OIDC area owns its numbers;
 * docs/oidc.md lists them).
 */
export const OIDC_DEFAULTS = {
  /** how long a started login (state, nonce, PKCE verifier) waits for the provider's answer */
  requestTtlSeconds: 10 * 60,
  /** tolerated clock difference with the provider for exp / iat / nbf */
  clockToleranceSeconds: 60,
  /** sessions with a refresh token re-read their groups from the provider this often */
  refreshIntervalSeconds: 5 * 60,
  /** a provider that cannot be reached at refresh time: the session keeps its roles this much longer, then ends */
  refreshGraceSeconds: 10 * 60,
  /** the sid/sub → user link back-channel logout needs; match the session's absolute timeout */
  sessionLinkTtlSeconds: 8 * 60 * 60,
  /** timeout of each call to the provider (discovery, token, userinfo, JWKS) */
  httpTimeoutMs: 5_000,
  /** after a failed discovery, wait this long before asking the provider again */
  discoveryCooldownMs: 5_000,
  /** a logout token older than this (iat) is refused */
  logoutTokenMaxAgeSeconds: 5 * 60,
  basePath: '/oidc',
  scopes: ['openid', 'profile', 'email'],
  loginClaim: 'preferred_username',
  attributes: { firstName: 'given_name', lastName: 'family_name', email: 'email' },
  /** asymmetric algorithms only: a client secret never verifies an ID token */
  idTokenAlgorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
  /** amr values (RFC 8176) that mean a second factor or a hardware key */
  strongAmr: ['mfa', 'otp', 'hwk', 'sc', 'swk', 'fpt', 'face', 'iris', 'retina'],
} as const;

const authLevel = z.enum(['auth.weak', 'auth.strong']);
const asymmetricAlg = z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);

/** One OpenID Provider, found by discovery from its issuer URL. */
export const oidcProviderSchema = z
  .strictObject({
    /** short name used in URLs and logs: lower-case letters, digits, dashes */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
    /** text of the login button; defaults to "Sign in with <name>" */
    label: z.string().min(1).optional(),
    /** the issuer URL: `<issuer>/.well-known/openid-configuration` is read at start and its `issuer` must equal it */
    issuer: urlString,
    clientId: z.string().min(1),
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt']).default('client_secret_basic'),
    /** for client_secret_basic / client_secret_post, as a secret reference */
    clientSecret: secretRef.optional(),
    /** for private_key_jwt: a PEM private key (PKCS#8 or RSA/EC), as a secret reference */
    privateKey: secretRef.optional(),
    /** algorithm of the client assertion; RS256 suits an RSA key, ES256 a P-256 key */
    privateKeyAlgorithm: asymmetricAlg.default('RS256'),
    /** `kid` of the client assertion when the provider knows the key by one */
    privateKeyId: z.string().min(1).optional(),
    scopes: z.array(z.string().min(1)).default([...OIDC_DEFAULTS.scopes]),
    /** ID token signature algorithms accepted (asymmetric only) */
    idTokenAlgorithms: z.array(asymmetricAlg).min(1).default([...OIDC_DEFAULTS.idTokenAlgorithms]),
    /** the claim that becomes the login id (`sub` for a stable but opaque one) */
    loginClaim: z.string().min(1).default(OIDC_DEFAULTS.loginClaim),
    /** identity attribute (firstName, email, ...) → claim name or dotted path */
    attributes: z.record(z.string(), z.string().min(1)).default({ ...OIDC_DEFAULTS.attributes }),
    /** claim (or dotted path, e.g. `realm_access.roles`) listing groups; they become roles through `roleMapping` */
    groupsClaim: z.string().min(1).optional(),
    /** read claims from the userinfo endpoint too (groups an ID token does not carry); its `sub` must match */
    userinfo: z.boolean().default(false),
    roleMapping: roleMappingSchema.default({ map: {}, keepUnmapped: true, defaultRoles: [] }),
    /** acr value → authentication level; unlisted acr values are `auth.weak` */
    acrLevels: z.record(z.string(), authLevel).default({}),
    /** amr values that give `auth.strong` */
    strongAmr: z.array(z.string().min(1)).default([...OIDC_DEFAULTS.strongAmr]),
    /** acr_values sent on every login (none when empty) */
    acrValues: z.array(z.string().min(1)).default([]),
    /** acr_values sent when a route asks for `auth.strong` (policy.stepUp); the answer must carry one of them or a strong amr */
    stepUpAcrValues: z.array(z.string().min(1)).default([]),
    /** end the session at the provider too on /logout (RP-initiated logout), when it has an end_session_endpoint */
    logoutAtProvider: z.boolean().default(true),
  })
  .superRefine((p, ctx) => {
    if (p.clientAuth === 'private_key_jwt') {
      if (!p.privateKey) ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'is required with clientAuth private_key_jwt' });
    } else if (!p.clientSecret) {
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: `is required with clientAuth ${p.clientAuth}` });
    }
  });
export type OidcProviderConfig = z.infer<typeof oidcProviderSchema>;

export const oidcAuthenticatorSchema = z
  .strictObject({
    type: z.literal('oidc'),
    name: z.string().min(1).default('oidc'),
    providers: z.array(oidcProviderSchema).min(1, 'at least one provider is needed'),
    requestTtlSeconds: z.number().int().min(30).max(3600).default(OIDC_DEFAULTS.requestTtlSeconds),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(OIDC_DEFAULTS.clockToleranceSeconds),
    refreshIntervalSeconds: z.number().int().min(10).max(86_400).default(OIDC_DEFAULTS.refreshIntervalSeconds),
    refreshGraceSeconds: z.number().int().min(0).max(86_400).default(OIDC_DEFAULTS.refreshGraceSeconds),
    sessionLinkTtlSeconds: z.number().int().positive().default(OIDC_DEFAULTS.sessionLinkTtlSeconds),
    httpTimeoutMs: z.number().int().min(100).max(60_000).default(OIDC_DEFAULTS.httpTimeoutMs),
    /**
     * Key that encrypts the refresh and ID tokens kept in sessions (AES-256-GCM), as a secret
     * reference, the same on every gateway sharing the store. Required with a shared (Redis)
     * session store; with the memory store a random key per process is used when absent.
     */
    tokenEncryptionKey: secretRef.optional(),
  })
  .superRefine((oidc, ctx) => {
    const seen = new Set<string>();
    oidc.providers.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'name'], message: `duplicate provider name "${p.name}"` });
      seen.add(p.name);
    });
  });
export type OidcAuthenticatorConfig = z.infer<typeof oidcAuthenticatorSchema>;
