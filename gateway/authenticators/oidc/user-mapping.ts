import type { AuthLevel, AuthMethod } from '@portcullis/engine-client/token';
import { applyRoleMapping } from '../role-mapping.js';
import type { AuthenticatedUser } from '../types.js';
import { OIDC_ERROR_CODES as C, refused } from './errors.js';
import type { ResolvedProvider } from './settings.js';

/** What refresh and logout need later, kept in the session's user as `extra.oidc`. */
export interface OidcSessionData {
  provider: string;
  /** the provider's subject: with `provider` the stable key of the user there */
  sub: string;
  /** the provider's session id (back-channel logout names it) */
  sid?: string;
  /** the refresh token, sealed (token-box.ts); absent when the provider issued none */
  refreshToken?: string;
  /** the ID token, sealed: the id_token_hint of RP-initiated logout */
  idToken?: string;
  /** epoch ms of the last successful login or refresh: how old the session's roles are */
  freshAt: number;
}

type Claims = Record<string, unknown>;

/**
 * A claim by name or dotted path: `groups`, `realm_access.roles`. A top-level claim whose
 * name contains dots (`https://example.com/groups`) wins over the path reading.
 */
export function claimAt(claims: Claims, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Claims)[part];
  }
  return value;
}

/** A groups claim as a list of names: an array of strings, or one string. Anything else gives none. */
function namesOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256).slice(0, 1000);
}

/** The level the provider's acr and amr earn: a listed acr, or a strong amr (a second factor), gives auth.strong. */
export function levelOf(provider: ResolvedProvider, claims: Claims): { level: AuthLevel; amr: AuthMethod[] } {
  const cfg = provider.config;
  const acr = typeof claims.acr === 'string' ? claims.acr : undefined;
  const amr = namesOf(claims.amr);
  const strongByAcr = acr !== undefined && Object.hasOwn(cfg.acrLevels, acr) && cfg.acrLevels[acr] === 'auth.strong';
  const strongByAmr = amr.some((m) => cfg.strongAmr.includes(m));
  const level: AuthLevel = strongByAcr || strongByAmr ? 'auth.strong' : 'auth.weak';
  return { level, amr: level === 'auth.strong' ? ['oidc', 'mfa'] : ['oidc'] };
}

/**
 * Turn verified claims (ID token, merged with userinfo when configured) into the gateway's user:
 * the login id from the configured claim, identity attributes by the provider's mapping,
 * groups through the role mapping every authenticator shares, and the level acr/amr earn.
 */
export function userFromClaims(authenticator: string, provider: ResolvedProvider, claims: Claims, oidc: OidcSessionData): AuthenticatedUser {
  const cfg = provider.config;
  const loginId = claimAt(claims, cfg.loginClaim);
  if (typeof loginId !== 'string' || loginId.length === 0 || loginId.length > 256) {
    throw refused(C.noLoginId, `claim ${cfg.loginClaim} is missing or not a string`);
  }
  const attributes: Record<string, string> = {};
  for (const [identityAttribute, claim] of Object.entries(cfg.attributes)) {
    const value = claimAt(claims, claim);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') attributes[identityAttribute] = String(value);
  }
  const groups = cfg.groupsClaim ? [...new Set(namesOf(claimAt(claims, cfg.groupsClaim)))].sort() : [];
  const roles = applyRoleMapping(groups, cfg.roleMapping);
  const { level, amr } = levelOf(provider, claims);
  return { loginId, roles, groups, attributes, level, amr, authenticator, extra: { oidc } };
}

export function oidcDataOf(user: AuthenticatedUser): OidcSessionData | undefined {
  const data = user.extra?.oidc as OidcSessionData | undefined;
  return data && typeof data.provider === 'string' && typeof data.sub === 'string' ? data : undefined;
}
