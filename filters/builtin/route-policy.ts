import { decideRoutePolicy } from '@portcullis/policies/route-policy.js';
import type { Filter } from '../types.js';

/** Applies the route's policy (allow/deny by role, group, user) to the caller. */
export function routePolicyFilter(): Filter {
  return {
    name: 'route-policy',
    phase: 'access',
    priority: 200,
    decidesAccess: true,
    why: "the route's policy decides who may use it",
    run(ctx) {
      const decision = decideRoutePolicy(ctx.route.policy, ctx.subject);
      if (!decision.allowed) return { refuse: decision.reason };
    },
  };
}
