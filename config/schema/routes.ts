import { z } from 'zod';
import { urlString } from './common.js';
import { startConditionsSchema } from './conditions.js';
import { upstreamClientSchema } from './upstream.js';
import type { RoutePolicyConfig } from '@portcullis/policies/route-policy.js';

/** Who may use a route (policies/route-policy.ts decides). Empty allow lists mean "any logged-in user". */
export const routePolicySchema = z.strictObject({
  allowRoles: z.array(z.string()).default([]),
  allowGroups: z.array(z.string()).default([]),
  allowUsers: z.array(z.string()).default([]),
  denyRoles: z.array(z.string()).default([]),
  denyGroups: z.array(z.string()).default([]),
  denyUsers: z.array(z.string()).default([]),
  /** `auth.strong`: a password-only session is not enough */
  requireLevel: z.enum(['auth.weak', 'auth.strong']).optional(),
  /** name of a routed authenticator (e.g. SAML) that can give `auth.strong`; browsers with a weaker session are sent there; without it they get 403 */
  stepUp: z.string().min(1).optional(),
});
export type { RoutePolicyConfig };
// the policy engine's type must stay what this schema produces
const _sameShape: (p: z.infer<typeof routePolicySchema>) => RoutePolicyConfig = (p) => p;
void _sameShape;

/**
 * One filter as the operator lists it: a built-in by name, or a module the operator names
 * (`use: module:./my-filter.mjs` or `module:./filters.mjs#auditTrail`, relative to the config file).
 */
export const filterRefSchema = z.strictObject({
  use: z.string().min(1),
  name: z.string().min(1).optional(),
  priority: z.number().int().optional(),
  options: z.record(z.string(), z.unknown()).default({}),
  /** start conditions: the filter runs only when all of them hold (filters/conditions.ts) */
  when: startConditionsSchema.optional(),
});
export type FilterRefConfig = z.infer<typeof filterRefSchema>;

export const routeSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  /** path prefix the route owns, e.g. `/app/`; the prefix is kept when forwarding */
  prefix: z.string().regex(/^\/([^?#]*\/)?$/, 'must start and end with "/"'),
  upstream: urlString,
  /** `aud` of the token minted for this route; defaults to the route name */
  audience: z.string().min(1).optional(),
  /** false: a public route, no session needed and no token attached */
  requireSession: z.boolean().default(true),
  policy: routePolicySchema.default({ allowRoles: [], allowGroups: [], allowUsers: [], denyRoles: [], denyGroups: [], denyUsers: [] }),
  filters: z.array(filterRefSchema).default([]),
  websocket: z.boolean().default(false),
  /** timeouts, connection pool and TLS trust for the upstream (config/schema/upstream.ts) */
  upstreamClient: upstreamClientSchema.default(() => upstreamClientSchema.parse({})),
});
export type RouteConfig = z.infer<typeof routeSchema>;
