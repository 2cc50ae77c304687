import { z } from 'zod';
import { urlString } from './common.js';
import type { StartConditionsInput } from './conditions.js';
import { declaredConditionValidator, declaredFilterOptions, UNDECLARED } from './filter-registry.js';
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
export const filterRefSchema = z
  .strictObject({
    use: z.string().min(1),
    name: z.string().min(1).optional(),
    priority: z.number().int().optional(),
    options: z.record(z.string(), z.unknown()).default({}),
    /** start conditions: the filter runs only when all of them hold; checked by the one validator filters/conditions.ts declares */
    when: z.custom<StartConditionsInput>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be a mapping of start conditions').optional(),
  })
  .superRefine(checkDeclaredFilter);

/** Options and start conditions checked by what the filters declared (config/schema/filter-registry.ts). */
function checkDeclaredFilter(ref: { use: string; name?: string | undefined; options: Record<string, unknown>; when?: unknown }, ctx: z.RefinementCtx): void {
  // header stripping is a fixed step of every route, not a filter: naming it tries to replace or condition it
  for (const key of ['use', 'name'] as const) {
    if (ref[key] === 'strip-identity-headers') {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'stripping client identity headers is a fixed step of every route, outside the filter chain: it cannot be replaced, conditioned or reordered; remove this entry (to strip more headers, list them in server.stripHeaders)',
      });
      return;
    }
  }
  const declared = declaredFilterOptions();
  if (!ref.use.startsWith('module:')) {
    const schema = declared.get(ref.use);
    if (declared.size === 0) ctx.addIssue({ code: 'custom', path: ['use'], message: UNDECLARED });
    else if (!schema) ctx.addIssue({ code: 'custom', path: ['use'], message: `no filter named '${ref.use}'; built-ins: ${[...declared.keys()].sort().join(', ')}` });
    else {
      const result = schema.safeParse(ref.options);
      if (!result.success) {
        for (const issue of result.error.issues) {
          const at = ['options', ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
          if (issue.code === 'unrecognized_keys') for (const key of issue.keys) ctx.addIssue({ code: 'custom', path: [...at, key], message: 'unknown option' });
          else ctx.addIssue({ code: 'custom', path: at, message: issue.message });
        }
      }
    }
  }
  if (ref.when !== undefined) {
    const validate = declaredConditionValidator();
    if (!validate) return void ctx.addIssue({ code: 'custom', path: ['when'], message: UNDECLARED });
    const problem = validate(ref.when);
    if (problem) ctx.addIssue({ code: 'custom', path: ['when', ...splitPath(problem.path)], message: problem.message });
  }
}

/** `paths[0].x` → ['paths', 0, 'x'] */
function splitPath(path: string): Array<string | number> {
  return path === '' ? [] : path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}
export type FilterRefConfig = z.infer<typeof filterRefSchema>;

export const routeSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  /** path prefix the route owns, e.g. `/app/`; the prefix is kept when forwarding */
  prefix: z.string().regex(/^\/([^?#]*\/)?$/, 'must start and end with "/"').default('/'),
  /** the engine behind the route; without it the route serves forward authentication only */
  upstream: urlString.optional(),
  /** forward authentication only: the route owns this host (`app.example.com`, or with `:port`), any case */
  host: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be a host name, optionally with :port')
    .transform((h) => h.toLowerCase())
    .optional(),
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
