/**
 * The contract between gateway and engine: the claims of the security token. The gateway
 * mints exactly this; engine-client verifies exactly this. Change it here or nowhere.
 */

/**
 * The JOSE `typ` the gateway puts in every token's header (RFC 8725 §3.11 explicit typing):
 * a JWT minted for another purpose (`secevent+jwt`, `at+jwt`) is never taken for ours.
 */
export const TOKEN_TYPE = 'portcullis+jwt';

export type AuthLevel = 'auth.weak' | 'auth.strong';

/** How the user authenticated (RFC 8176 style values where one exists). */
export type AuthMethod = 'pwd' | 'ldap' | 'saml' | 'header' | 'basic' | 'mtls' | 'mfa' | (string & {});

/** Identity attributes with a configurable claim name on both sides. */
export const IDENTITY_ATTRIBUTES = [
  'loginId',
  'profileId',
  'clientId',
  'firstName',
  'lastName',
  'email',
  'language',
  'country',
] as const;
export type IdentityAttribute = (typeof IDENTITY_ATTRIBUTES)[number];

/** Default claim name of each identity attribute; both sides may rename them. */
export const DEFAULT_CLAIM_NAMES: Readonly<Record<IdentityAttribute, string>> = Object.freeze({
  loginId: 'loginId',
  profileId: 'profileId',
  clientId: 'clientId',
  firstName: 'firstName',
  lastName: 'lastName',
  email: 'email',
  language: 'language',
  country: 'country',
});

/** RFC 8693 actor: who acts on whose behalf; may nest. */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
}

export interface PortcullisTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  /** SHA-256 digest (base64url) of the session id; never the session id itself */
  sid?: string;
  roles: string[];
  groups: string[];
  /** authentication level: `auth.weak` for a password, `auth.strong` for a certificate or strong IdP */
  acr: AuthLevel;
  amr: AuthMethod[];
  act?: ActorClaim;
  /**
   * Login ids of the people who approved this request: set only on a held request the gateway
   * sends after its approval (the `sub` stays the requester); absent on every other token
   */
  approved_by?: string[];
  /** the id of that approval (the gateway's status page and audit log use the same id) */
  approval_id?: string;
  /** identity attributes under their configured claim names */
  [claim: string]: unknown;
}

/** Algorithms allowed across the trust boundary: asymmetric only. */
export const ASYMMETRIC_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'] as const;
export type TokenAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** Resolve the claim name map from overrides (attribute → claim). */
export function claimNamesWith(overrides: Record<string, string> = {}): Record<IdentityAttribute, string> {
  return { ...DEFAULT_CLAIM_NAMES, ...overrides } as Record<IdentityAttribute, string>;
}
