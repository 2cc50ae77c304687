/**
 * What an engine knows about the caller after verification. Plain, frozen data (safe to
 * return as JSON from a /whoami endpoint): the raw token is attached but not enumerable,
 * so neither JSON.stringify nor a logger's serializer ever prints it.
 */
import type { ActorClaim, AuthLevel, AuthMethod, IdentityAttribute, PortcullisTokenClaims } from '../token/claims.js';

export interface Identity {
  /** the user id, from the configured claim (default `sub`) */
  readonly userId: string;
  /** application roles: after prefix, role mapping and static roles */
  readonly roles: readonly string[];
  /** the roles as the token carried them */
  readonly tokenRoles: readonly string[];
  readonly groups: readonly string[];
  /** identity attributes found in the token, under their attribute names */
  readonly attributes: Readonly<Partial<Record<IdentityAttribute, string>>>;
  /** `auth.weak` (password) or `auth.strong` (certificate, strong IdP) */
  readonly level: AuthLevel;
  /** how the user authenticated */
  readonly amr: readonly AuthMethod[];
  /** RFC 8693: who acts on whose behalf, when delegated */
  readonly act?: ActorClaim;
  /**
   * Set when the gateway sent a held request after its approval: the approval's id and who
   * approved it (`sub` is still the requester). An engine may insist on it for risky operations.
   */
  readonly approval?: { readonly id: string; readonly approvedBy: readonly string[] };
  /** every verified claim */
  readonly claims: Readonly<PortcullisTokenClaims>;
  /** the verified token itself, for on-behalf-of calls (not enumerable: never serialized) */
  readonly token: string;
}
