import type { EndpointState } from '../pool/endpoint-pool.js';

/** What an identity backend knows about a user. */
export interface IdentityRecord {
  loginId: string;
  /** identity attributes (firstName, email, ...) */
  attributes: Record<string, string>;
  groups: string[];
  /** roles, when the backend hands out roles itself (HTTP services may) */
  roles?: string[];
}

/**
 * The calling user's credential, forwarded when the backend is configured for it:
 * a bare token sent as `Bearer <token>`, or the caller's original header value unchanged.
 */
export type CallerCredentials = { bearerToken: string } | { originalHeader: string };

export interface CallOptions {
  caller?: CallerCredentials;
  /** stickiness key (a user or session); defaults to the login or group asked about */
  stickyKey?: string;
  /** skip the cache for this call (the answer still refreshes it) */
  noCache?: boolean;
}

export interface CacheOptions {
  /** most entries kept (default 100) */
  max?: number;
  /** time to live of an entry in milliseconds (default 60 000) */
  ttlMs?: number;
}

export interface CacheStats {
  enabled: boolean;
  size: number;
  hits: number;
  misses: number;
}

export interface PoolOptions {
  loadBalance?: boolean;
  sticky?: boolean;
  retryIntervalMs?: number;
}

/** One interface for every flavour (HTTP JSON service, LDAP directory). */
export interface IdentityBackend {
  readonly kind: 'http' | 'ldap';
  readonly name: string;
  /** the user's details, or null when the backend does not know the user */
  getUser(login: string, options?: CallOptions): Promise<IdentityRecord | null>;
  /** the user's group names, or null for an unknown user */
  getGroups(login: string, options?: CallOptions): Promise<string[] | null>;
  /** login ids of a group's members, or null for an unknown group */
  getGroupMembers(group: string, options?: CallOptions): Promise<string[] | null>;
  state(): EndpointState[];
  cacheStats(): CacheStats;
  clearCache(): void;
  close(): Promise<void>;
}

/** Defaults of every identity backend, in one place. */
export const IDENTITY_BACKEND_DEFAULTS = Object.freeze({
  cacheMax: 100,
  cacheTtlMs: 60_000,
  connectTimeoutMs: 2_000,
  requestTimeoutMs: 5_000,
  retryIntervalMs: 30_000,
  loadBalance: false,
  sticky: true,
  /** an HTTP answer larger than this is refused */
  maxResponseBytes: 1024 * 1024,
  /** header the caller's token is forwarded in */
  forwardHeader: 'authorization',
  paths: Object.freeze({
    user: '/users/{login}',
    groups: '/users/{login}/groups',
    groupMembers: '/groups/{group}/members',
  }),
});
