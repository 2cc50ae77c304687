import type { FastifyRequest } from 'fastify';
import type { RoutePolicyConfig } from '@portcullis/config/schema/routes.js';
import type { Reason } from '@portcullis/policies/reasons.js';
import type { Subject } from '@portcullis/policies/subject.js';
import type { AuthLevel, AuthMethod } from '@portcullis/engine-client/token';

/**
 * The phases of a request, in order: `access` decides whether the request may go on,
 * `before` shapes the upstream request, `after` sees the upstream response.
 */
export const PHASES = ['access', 'before', 'after'] as const;
export type FilterPhase = (typeof PHASES)[number];

export const DEFAULT_PRIORITY = 500;

/** The route as filters see it. */
export interface RouteView {
  name: string;
  prefix: string;
  audience: string;
  requireSession: boolean;
  policy: RoutePolicyConfig;
}

/** The caller as filters see it: the policy subject plus identity attributes. */
export interface FilterSubject extends Subject {
  attributes: Readonly<Record<string, string>>;
  level: AuthLevel;
  amr: readonly AuthMethod[];
  authenticator: string;
}

/**
 * The caller of a request as the gateway identified it: the subject, plus what the engine
 * token for it is bound to. Filters that need the session (token minting) read it here.
 */
export interface FilterCaller {
  readonly subject: FilterSubject;
  /** the token's `sid` claim (a digest of the session id) when the caller has an SSO session */
  readonly sid?: string;
  /** what tokens minted for this caller may be cached under (session digest, certificate fingerprint) */
  readonly cacheKey: string;
}

export interface FilterContext {
  readonly request: FastifyRequest;
  readonly route: RouteView;
  /** undefined when the request has no session; the same as `caller?.subject` */
  readonly subject: FilterSubject | undefined;
  /** undefined before the caller is identified and when the request has none */
  readonly caller?: FilterCaller | undefined;
  /** the client address as decided from the socket and trusted proxies */
  readonly clientAddress: string;
  /** headers to set on the upstream request, lower-case names */
  readonly upstreamHeaders: Record<string, string>;
  /** client headers to drop before the request goes upstream, lower-case names */
  readonly removeHeaders: Set<string>;
  /** the upstream answer, in the `after` phase only; filters may change headers */
  response?: { statusCode: number; headers: Record<string, string | string[] | undefined> };
  /** scratch space shared by the filters of one request */
  readonly state: Map<string, unknown>;
}

/** A filter refuses by returning a reason; returning nothing lets the request go on. */
export type FilterOutcome = void | undefined | { refuse: Reason };

/** Start conditions: a filter runs only when all of the given ones hold. */
export interface StartConditions {
  methods?: string[];
  pathPrefixes?: string[];
}

export interface Filter {
  readonly name: string;
  readonly phase: FilterPhase;
  /** lower runs first; ties by name */
  readonly priority: number;
  readonly conditions?: StartConditions;
  /** one line for `portcullis routes`: why the filter is in this chain */
  readonly why: string;
  /**
   * the filter keeps the request for the gateway to send later (approval): forward
   * authentication, where a reverse proxy sends the request itself, refuses instead
   */
  readonly holdsRequest?: boolean;
  /**
   * The filter only decides (no counting, no logging, no upstream headers), so the gateway may
   * run it ahead of a request to tell whether the caller could open the route at all (the
   * portal list). Filters without it are left out of that preview.
   */
  readonly decidesAccess?: boolean;
  run(ctx: FilterContext): FilterOutcome | Promise<FilterOutcome>;
}
