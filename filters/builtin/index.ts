import type { Filter, RouteView } from '../types.js';
import type { BuiltinFilterDeps } from './deps.js';
import { requireSessionFilter } from './require-session.js';
import { routePolicyFilter } from './route-policy.js';
import { forwardedHeadersFilter } from './forwarded-headers.js';
import { attachTokenFilter } from './attach-token.js';
import { ipAllowListFilter } from './ip-allow-list.js';
import { identityHeadersFilter } from './identity-headers.js';
import { rateLimitFilter } from './rate-limit.js';
import { auditFilter } from './audit.js';
import { authorizeFilter } from './authorize.js';
import { approvalFilter } from './approval.js';
import { credentialsFilter } from './credentials.js';
// declares every built-in's options schema and the condition validator to the configuration schema
import './declarations.js';

export type { BuiltinFilterDeps, ApprovalDesk } from './deps.js';
export type { ApprovalRule } from './approval.js';

/** A built-in filter as configuration names it: options from the config, deps from the gateway. */
export type BuiltinFilterFactory = (options: Record<string, unknown>, deps: BuiltinFilterDeps) => Filter;

export const BUILTIN_FILTERS: Record<string, BuiltinFilterFactory> = {
  'require-session': () => requireSessionFilter(),
  'route-policy': () => routePolicyFilter(),
  'forwarded-headers': (_o, deps) => forwardedHeadersFilter(deps),
  'attach-token': (_o, deps) => attachTokenFilter(deps),
  'ip-allow-list': (o) => ipAllowListFilter(o),
  'identity-headers': (o) => identityHeadersFilter(o),
  'rate-limit': (o, deps) => rateLimitFilter(o, deps),
  audit: (o) => auditFilter(o),
  authorize: (o, deps) => authorizeFilter(o, deps),
  approval: (o, deps) => approvalFilter(o, deps),
  credentials: (o, deps) => credentialsFilter(o, deps),
};

/**
 * Names that are not filters: stripping client identity headers is a fixed step of every
 * route that runs outside the chain (gateway/proxy/header-stripping.ts), so no configuration
 * can replace, condition or reorder it.
 */
export const FIXED_STEPS: Record<string, string> = {
  'strip-identity-headers':
    'stripping client identity headers is a fixed step of every route, outside the filter chain: it cannot be replaced, conditioned or reordered; remove this entry (to strip more headers, list them in server.stripHeaders)',
};

/**
 * The filters every route gets without asking: forwarding headers always; on routes that
 * need a session, the session check, the route policy and the token.
 */
export function defaultFiltersFor(route: RouteView, deps: BuiltinFilterDeps): Filter[] {
  const filters = [forwardedHeadersFilter(deps)];
  if (route.requireSession) filters.push(requireSessionFilter(), routePolicyFilter(), attachTokenFilter(deps));
  return filters;
}
