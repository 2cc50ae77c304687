import type { FastifyRequest } from 'fastify';
import type { RouteConfig } from '@portcullis/config/schema/routes.js';
import { runPhase, type Chain, type ConditionCheck } from '@portcullis/filters/chain.js';
import type { FilterSubject, RouteView } from '@portcullis/filters/types.js';
import type { MutableFilterContext } from './route-decision.js';
import { requestView } from './request-view.js';

/** A route a user can open from the portal list. */
export interface Portal {
  readonly name: string;
  readonly prefix: string;
  /** where the link goes: the prefix on this gateway, or on the route's own host (forward authentication) */
  readonly href: string;
  /** the route needs a stronger login first; opening it leads there (policy.stepUp) */
  readonly stepUp: boolean;
}

interface PortalRoute {
  readonly route: RouteConfig;
  readonly view: RouteView;
  readonly href: string;
  /** the route's access filters that only decide, as the route itself runs them */
  readonly deciding: Chain['access'];
}

/**
 * Which portals a user may open. The answer comes from the routes' own access filters — the
 * route policy, `authorize`, the IP allow list — run as for a GET of the route's prefix by
 * this caller, so the list and the gateway's answer on the route can never disagree. Filters
 * that count or log (rate limits, audit) are not run: a look at the list is not a request.
 */
export class PortalDirectory {
  readonly #routes: PortalRoute[] = [];
  readonly #check: ConditionCheck | undefined;
  readonly #scheme: string;

  /** `scheme`: how browsers reach a route on a host of its own (the public URL's) */
  constructor(check?: ConditionCheck, scheme = 'https') {
    this.#check = check;
    this.#scheme = scheme;
  }

  /** A route that needs a session is a portal; the others are APIs or public assets. */
  add(route: RouteConfig, view: RouteView, chain: Chain): void {
    if (!route.requireSession) return;
    const href = route.host ? `${this.#scheme}://${route.host.toLowerCase()}${route.prefix}` : route.prefix;
    this.#routes.push({ route, view, href, deciding: chain.access.filter((f) => f.decidesAccess) });
  }

  /** Whether the caller may open (as they are, without a step-up) a route whose tokens are for `audience`. */
  async admitsTo(audience: string, request: FastifyRequest, subject: FilterSubject, clientAddress: string): Promise<boolean> {
    const open = await this.openTo(request, subject, clientAddress, (r) => r.view.audience === audience);
    return open.some((portal) => !portal.stepUp);
  }

  async openTo(request: FastifyRequest, subject: FilterSubject, clientAddress: string, only: (route: PortalRoute) => boolean = () => true): Promise<Portal[]> {
    const out: Portal[] = [];
    for (const portalRoute of this.#routes) {
      if (!only(portalRoute)) continue;
      const { route, view, href, deciding } = portalRoute;
      const probe = requestView(request, { method: 'GET', url: route.prefix });
      const ctx: MutableFilterContext = { request: probe, route: view, subject, clientAddress, upstreamHeaders: {}, removeHeaders: new Set(), state: new Map() };
      let refused = runPhase(deciding, ctx, this.#check);
      if (refused instanceof Promise) refused = await refused;
      if (!refused) out.push({ name: route.name, prefix: route.prefix, href, stepUp: false });
      else if (refused.code === 'level-insufficient' && typeof refused.detail?.stepUp === 'string') out.push({ name: route.name, prefix: route.prefix, href, stepUp: true });
    }
    return out;
  }
}
