import type { AuthLevel, AuthMethod } from '@portcullis/engine-client/token';

/**
 * The gateway's identity record: who logged in, as every authenticator reports it. It becomes
 * the session's user and is what tokens are minted from. It lives apart from the authenticator
 * interfaces because sessions, token minting and the proxy use it without authenticating.
 */
export interface AuthenticatedUser {
  loginId: string;
  /** gateway roles after the authenticator's role mapping */
  roles: string[];
  groups: string[];
  /** identity attributes (firstName, email, ...) by attribute name */
  attributes: Record<string, string>;
  level: AuthLevel;
  amr: AuthMethod[];
  /** name of the authenticator that vouched for the user */
  authenticator: string;
  /** authenticator-specific data needed later (e.g. SAML NameID for single logout) */
  extra?: Record<string, unknown>;
  /**
   * Epoch ms after which the authenticator that vouched for the user re-reads the user's
   * roles (OIDC refresh token); absent when there is nothing to refresh.
   */
  refreshAt?: number;
}

/** What a token is minted from: the record without authenticator extras, read-only. */
export interface TokenIdentity {
  readonly loginId: string;
  readonly roles: readonly string[];
  readonly groups: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
  readonly level: AuthLevel;
  readonly amr: readonly AuthMethod[];
}
