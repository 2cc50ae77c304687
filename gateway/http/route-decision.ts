import type { FastifyRequest } from 'fastify';
import type { Reason } from '@portcullis/policies/reasons.js';
import { runPhase, type Chain } from '@portcullis/filters/chain.js';
import type { FilterCaller, FilterContext, FilterSubject, RouteView } from '@portcullis/filters/types.js';
import type { GatewayContext } from '../context.js';
import { identifyCaller, type Caller } from './identify.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';

/** require-session's priority: the point in the access phase where the caller is identified */
const IDENTIFY_PRIORITY = 100;

export type MutableFilterContext = { -readonly [K in keyof FilterContext]: FilterContext[K] };

/**
 * A route's chain cut where the caller is identified. Access filters ranked before
 * require-session (priority < 100, e.g. the IP allow list) run before identification: a
 * refused address never gets its Basic credentials checked or its failures counted.
 */
export interface RouteDecider {
  decide(request: FastifyRequest, ctx: MutableFilterContext): Promise<Reason | undefined>;
}

/**
 * The one decision both the proxy and forward authentication run: the access phase around
 * identification, then the before phase that shapes the upstream request (the token, the
 * identity headers). Answers the refusal reason, or undefined to let the request through.
 */
export function routeDecider(gw: GatewayContext, view: RouteView, chain: Chain, check?: Parameters<typeof runPhase>[2]): RouteDecider {
  const beforeIdentify = chain.access.filter((f) => f.priority < IDENTIFY_PRIORITY);
  const afterIdentify = chain.access.filter((f) => f.priority >= IDENTIFY_PRIORITY);
  const needsCaller = view.requireSession || chain.access.length > 0;
  return {
    async decide(request, ctx) {
      let refused = runPhase(beforeIdentify, ctx, check);
      if (refused instanceof Promise) refused = await refused;
      if (refused) return refused;

      const caller = needsCaller ? await identifyCaller(request, gw, view.requireSession ? view.audience : undefined) : undefined;
      // the filter context carries the caller: attach-token and the like read it from there
      ctx.caller = caller ? filterCallerOf(caller) : undefined;
      ctx.subject = ctx.caller?.subject;
      refused = runPhase(afterIdentify, ctx, check);
      if (refused instanceof Promise) refused = await refused;
      if (refused) return refused;
      refused = runPhase(chain.before, ctx, check);
      if (refused instanceof Promise) refused = await refused;
      return refused || undefined;
    },
  };
}

function filterCallerOf(caller: Caller): FilterCaller {
  const subject = subjectOf(caller);
  return caller.sid === undefined ? { subject, cacheKey: caller.cacheKey } : { subject, sid: caller.sid, cacheKey: caller.cacheKey };
}

function subjectOf(caller: Caller): FilterSubject {
  return subjectOfUser(caller.user);
}

/** The filter subject of an identified user (route filters and the portal list see the same). */
export function subjectOfUser(user: AuthenticatedUser): FilterSubject {
  return {
    loginId: user.loginId,
    roles: user.roles,
    groups: user.groups,
    level: user.level,
    attributes: user.attributes,
    amr: user.amr,
    authenticator: user.authenticator,
  };
}
