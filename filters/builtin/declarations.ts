import { z } from 'zod';
import { declareConditionValidator, declareFilterOptions } from '@portcullis/config/schema/filter-registry.js';
import { ConditionError, precompileConditions, type StartConditionsConfig } from '../conditions.js';
import { FilterOptionsError } from './options-error.js';
import { ipAllowListFilter } from './ip-allow-list.js';
import { identityHeadersFilter } from './identity-headers.js';
import { rateLimitFilter } from './rate-limit.js';
import { auditFilter } from './audit.js';
import { approvalRuleOf } from './approval.js';
import { credentialsFilter } from './credentials.js';

/**
 * Every built-in filter's options as a zod schema, declared to the configuration schema,
 * and the start-condition compiler as its one condition validator: `check-config` then
 * refuses what building the chain at start would refuse. Where a filter checks more than
 * a shape (an address range, a header template), the schema asks the filter itself.
 * Importing this module declares them (filters/builtin/index.ts does).
 */
const none = z.strictObject({});

/** Run the filter's own option checks; its FilterOptionsError becomes an issue at the option's path. */
function asTheFilterChecks(build: (options: Record<string, unknown>) => unknown) {
  return (options: Record<string, unknown>, ctx: z.RefinementCtx) => {
    try {
      build(options);
    } catch (err) {
      if (!(err instanceof FilterOptionsError)) throw err;
      const path = err.path.replace(/^options\.?/, '');
      const message = err.message.startsWith(`${err.path}: `) ? err.message.slice(err.path.length + 2) : err.message;
      ctx.addIssue({ code: 'custom', path: splitPath(path), message });
    }
  };
}

/** `allow[0]` → ['allow', 0] */
function splitPath(path: string): Array<string | number> {
  return path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** the filter's own checks run once the shape is right, so one mistake is reported once */
const shaped = { when: (payload: { issues: unknown[] }) => payload.issues.length === 0 };

export const BUILTIN_OPTION_SCHEMAS: Record<string, z.ZodType> = {
  'require-session': none,
  'route-policy': none,
  'forwarded-headers': none,
  'attach-token': none,
  'ip-allow-list': z
    .strictObject({ allow: z.array(z.string().min(1)).optional() })
    .superRefine(asTheFilterChecks((o) => ipAllowListFilter(o)), shaped),
  'identity-headers': z
    .strictObject({ headers: z.record(z.string(), z.string()).refine((h) => Object.keys(h).length > 0, 'must name at least one header') })
    .superRefine(asTheFilterChecks((o) => identityHeadersFilter(o)), shaped),
  'rate-limit': z
    .strictObject({
      max: z.number().int().min(1),
      windowSeconds: z.number().int().min(1).optional(),
      by: z.enum(['client', 'user']).optional(),
      maxKeys: z.number().int().min(1).optional(),
    })
    .superRefine(asTheFilterChecks((o) => rateLimitFilter(o)), shaped),
  audit: z.strictObject({ level: z.enum(['info', 'warn', 'debug']).optional() }).superRefine(asTheFilterChecks((o) => auditFilter(o)), shaped),
  approval: z
    .strictObject({
      /** who may approve: holders of any role, members of any group, the users named, or whom the module names */
      approvers: z.strictObject({
        roles: z.array(z.string().min(1)).optional(),
        groups: z.array(z.string().min(1)).optional(),
        users: z.array(z.string().min(1)).optional(),
        /** `./file.mjs#export`: a function (request, requester) → approver login ids */
        module: z.string().min(1).optional(),
      }),
      /** distinct approvers needed (1 or 2); the requester never counts */
      required: z.union([z.literal(1), z.literal(2)]).optional(),
      /** seconds until an undecided request expires (default a day) */
      expiresAfterSeconds: z.number().int().min(1).optional(),
      /** largest body held (default 64 KiB); larger is refused with 413 */
      maxBodyBytes: z.number().int().min(0).optional(),
      /** request headers kept and sent with the request (default: content type, language, accept, conditional headers, idempotency key) */
      headers: z.array(z.string().min(1)).optional(),
      /** one line approvers read above the request */
      description: z.string().min(1).max(200).optional(),
      /** open (undecided or unsent) requests one requester may have on the route (default 20); more get 429 */
      maxOpenPerRequester: z.number().int().min(1).optional(),
    })
    .superRefine(asTheFilterChecks((o) => approvalRuleOf('approval', o)), shaped),
  credentials: z
    .strictObject({ headers: z.record(z.string(), z.string()).refine((h) => Object.keys(h).length > 0, 'must name at least one header') })
    .superRefine(asTheFilterChecks((o) => credentialsFilter(o, { tokenFor: () => '', tokenHeader: '', tokenScheme: '', identityHeaders: [], forwardedProto: () => '' })), shaped),
  // the policy documents are read when the chain is built (start, and check-config, which builds every chain)
  authorize: z.strictObject({
    policyFiles: z.array(z.string().min(1)).min(1),
    resource: z.string().min(1),
    operation: z.union([z.string().min(1), z.record(z.string(), z.string().min(1))]),
  }),
};

for (const [name, schema] of Object.entries(BUILTIN_OPTION_SCHEMAS)) declareFilterOptions(name, schema);

declareConditionValidator((when) => {
  try {
    precompileConditions(when as StartConditionsConfig, 'when');
    return undefined;
  } catch (err) {
    if (!(err instanceof ConditionError)) throw err;
    const message = err.message.startsWith(`${err.path}: `) ? err.message.slice(err.path.length + 2) : err.message;
    return { path: err.path.replace(/^when\.?/, ''), message };
  }
});
