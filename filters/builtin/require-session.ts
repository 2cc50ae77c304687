import type { Filter } from '../types.js';

/** Refuses callers without a session (or other authentication) on routes that need one. */
export function requireSessionFilter(): Filter {
  return {
    name: 'require-session',
    phase: 'access',
    priority: 100,
    decidesAccess: true,
    why: 'the route needs a logged-in caller',
    run(ctx) {
      if (!ctx.subject) return { refuse: { code: 'unauthenticated', message: 'login required' } };
    },
  };
}
