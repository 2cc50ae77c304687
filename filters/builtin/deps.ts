import type { FilterContext } from '../types.js';
import type { WindowCounters } from '../rate-limiter.js';
import type { Reason } from '@portcullis/policies/reasons.js';
import type { ApprovalRule } from './approval.js';

/**
 * What built-in filters borrow from the gateway. Filters never import the gateway; the
 * gateway hands these in when it builds a chain.
 */
export interface BuiltinFilterDeps {
  /** the engine token for `ctx.caller` and the route (cached by the gateway); called only when there is a caller */
  tokenFor(ctx: FilterContext): string | Promise<string>;
  /** header that carries the token upstream, lower-case */
  tokenHeader: string;
  /** `Bearer` or '' for the bare token */
  tokenScheme: string;
  /** identity headers the gateway sets itself; a client's copies are always removed */
  identityHeaders: readonly string[];
  /** scheme and host the browser used, for X-Forwarded-Proto / -Host */
  forwardedProto(ctx: FilterContext): string;
  /** counters shared by every gateway (the session store); rate-limit counts in-process without it */
  counters?: WindowCounters;
  /** folder of the configuration file: filters' relative file options start here */
  configDir?: string;
  /** the gateway's approvals (gateway/approvals/): the approval filter hands it the request to hold */
  approvals?: ApprovalDesk;
  /** the caller's own credential values from the vault (undefined where none is stored); absent when the vault is off */
  credentials?(ctx: FilterContext, keys: readonly string[]): Promise<ReadonlyMap<string, string | undefined>>;
}

/** Where the approval filter leaves a request it holds. */
export interface ApprovalDesk {
  /**
   * Store the request for approval; answers the reason the chain stops with: `approval-held`
   * (202, with `detail.approvalId` and `detail.statusUrl`) or `body-too-large` (413)
   */
  hold(ctx: FilterContext, rule: ApprovalRule): Promise<Reason>;
}
